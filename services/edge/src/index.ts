export * from './config.js';
export * from './edge-node.js';
export * from './session.js';
