export * from './backend.js';
export * from './memory/memory-bus.js';
export * from './memory/memory-history.js';
// Redis and NATS: names only; their classes load ioredis and nats.js, so openBackend imports
// them on demand and the classes come from `@switchboard/backends/redis` and `…/nats`.
export type { JetStreamHistory, JetStreamHistoryOptions } from './nats/jetstream-history.js';
export type { NatsBus, NatsBusOptions } from './nats/nats-bus.js';
export * from './open-backend.js';
export type { RedisBus, RedisBusOptions } from './redis/redis-bus.js';
export type { RedisHistory, RedisHistoryOptions } from './redis/redis-history.js';
export * from './redis/redis-keys.js';
export { redisKeySlot } from './redis/redis-slot.js';
