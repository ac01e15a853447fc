import type { Bus } from '@switchboard/bus';
import { MemoryBus } from './memory/memory-bus.js';

/** BUS_URL names a backend this build cannot use. */
export class UnsupportedBusError extends Error {
  override readonly name = 'UnsupportedBusError';
}

export interface BusOptions {
  /** Prefix of every subject or channel (BUS_PREFIX), so several deployments can share a broker. */
  prefix?: string;
}

/** Opens the Bus that BUS_URL names. Resolves once connected; rejects when it cannot connect. */
export async function connectBus(url: string, options: BusOptions = {}): Promise<Bus> {
  const scheme = url.split('://', 1)[0];
  switch (scheme) {
    case 'memory':
      return new MemoryBus();
    case 'nats': {
      // Loaded on demand, so the memory-only all-in-one never loads nats.js.
      const { NatsBus } = await import('./nats/nats-bus.js');
      return NatsBus.connect(url, { prefix: options.prefix });
    }
    case 'redis':
    case 'rediss':
    case 'redis-cluster':
    case 'redis-clusters': {
      // Loaded on demand, so the memory-only all-in-one never loads ioredis.
      const { RedisBus } = await import('./redis/redis-bus.js');
      return RedisBus.connect(url, { prefix: options.prefix });
    }
    default:
      throw new UnsupportedBusError(`BUS_URL scheme "${scheme}" is not supported (use memory://, nats://, redis:// or redis-cluster://)`);
  }
}
