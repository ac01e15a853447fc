export * from './history-store.js';
export * from './idempotency.js';
export * from './idempotency-table.js';
export * from './memory-history.js';
export * from './open-history.js';
export * from './publisher.js';
// Redis Streams: types only (the class loads ioredis; openHistory imports it on demand).
export type { RedisHistory, RedisHistoryOptions } from './redis-history.js';
