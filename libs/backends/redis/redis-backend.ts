import { type Backend, type BackendOptions, openBusAndHistory } from '../backend.js';
import { RedisBus } from './redis-bus.js';
import { RedisHistory } from './redis-history.js';

/**
 * `redis://`, `rediss://`, `redis-cluster://`, `redis-clusters://`: pub/sub (sharded on a
 * cluster) for the bus, Streams for the history, whose append script also publishes.
 */
export function openRedisBackend(url: string, options: BackendOptions): Promise<Backend> {
  return openBusAndHistory(
    () => RedisBus.connect(url, options),
    (limits) => RedisHistory.connect(url, limits, { prefix: options.prefix }),
    options.history,
  );
}
