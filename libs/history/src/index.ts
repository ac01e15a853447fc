export * from './history-store.js';
export * from './memory-history.js';
export * from './open-history.js';
export * from './publisher.js';
