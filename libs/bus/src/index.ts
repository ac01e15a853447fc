export * from './bus.js';
export * from './connect.js';
export * from './memory-bus.js';
// Redis: names and errors only; the classes load ioredis, so connectBus imports them on demand
// and the class and client helpers come from `@switchboard/bus/redis-bus` and `…/redis-client`.
export type { RedisBus, RedisBusOptions } from './redis-bus.js';
export * from './redis-errors.js';
export * from './redis-keys.js';
export { redisKeySlot } from './redis-slot.js';
