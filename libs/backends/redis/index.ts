export * from './redis-backend.js';
export * from './redis-bus.js';
export * from './redis-client.js';
export * from './redis-history.js';
export * from './redis-keys.js';
export * from './redis-slot.js';
