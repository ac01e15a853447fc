export * from './logger.js';
export * from './metrics.js';
export * from './service-main.js';
export * from './tracing/message-spans.js';
export * from './tracing/start-tracing.js';
export * from './tracing/traced.js';
export * from './tracing/tracing-state.js';
