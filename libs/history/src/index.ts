export * from './history-store.js';
export * from './idempotency.js';
export * from './idempotency-table.js';
export * from './publish-telemetry.js';
export * from './publisher.js';
