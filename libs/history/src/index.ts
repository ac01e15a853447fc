export * from './history-store.js';
export * from './publish-telemetry.js';
export * from './publisher.js';
