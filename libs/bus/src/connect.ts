import type { Bus } from './bus.js';
import { MemoryBus } from './memory-bus.js';

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
    default:
      throw new UnsupportedBusError(`BUS_URL scheme "${scheme}" is not supported (use memory://, nats://, redis:// or redis-cluster://)`);
  }
}
