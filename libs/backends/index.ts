export * from './connect.js';
export * from './memory/memory-bus.js';
export * from './memory/memory-history.js';
export * from './open-history.js';
// Redis: names and errors only; the classes load ioredis, so connectBus/openHistory import them
// on demand and the classes and client helpers come from `@switchboard/backends/redis`.
export type { RedisBus, RedisBusOptions } from './redis/redis-bus.js';
export * from './redis/redis-errors.js';
export type { RedisHistory, RedisHistoryOptions } from './redis/redis-history.js';
export * from './redis/redis-keys.js';
export { redisKeySlot } from './redis/redis-slot.js';
