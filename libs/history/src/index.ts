export * from './history-for.js';
export * from './history-store.js';
export * from './memory-history.js';
export * from './publisher.js';
