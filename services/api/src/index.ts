export * from './api-metrics.js';
export * from './api-routes.js';
export * from './config.js';
export * from './pusher/pusher-routes.js';
export * from './tracing/traced-router.js';
