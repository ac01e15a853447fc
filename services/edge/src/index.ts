export * from './config.js';
export * from './edge-node.js';
export * from './presence/presence-reporter.js';
export * from './presence/presence-source.js';
export * from './session/session.js';
