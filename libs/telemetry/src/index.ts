export * from './logger.js';
export * from './metrics.js';
export * from './service-main.js';
export * from './tracing.js';
