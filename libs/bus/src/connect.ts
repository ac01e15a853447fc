import type { Bus } from './bus.js';
import { MemoryBus } from './memory-bus.js';

/** BUS_URL names a backend this build cannot use. */
export class UnsupportedBusError extends Error {
  override readonly name = 'UnsupportedBusError';
}

/** Opens the Bus that BUS_URL names (`memory://`, …). Rejects when it cannot connect. */
export async function connectBus(url: string): Promise<Bus> {
  const scheme = url.split('://', 1)[0];
  switch (scheme) {
    case 'memory':
      return new MemoryBus();
    default:
      throw new UnsupportedBusError(`BUS_URL scheme "${scheme}" is not supported (use memory://)`);
  }
}
