export * from './config.js';
export * from './edge-node.js';
export * from './presence-reporter.js';
export * from './presence-source.js';
export * from './session.js';
