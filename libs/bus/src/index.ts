export * from './bus.js';
export * from './connect.js';
export * from './memory-bus.js';
