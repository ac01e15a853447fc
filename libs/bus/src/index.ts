export * from './bus.js';
export * from './handler-errors.js';
