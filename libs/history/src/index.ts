export * from './history-store.js';
export * from './publisher.js';
