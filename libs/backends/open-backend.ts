import type { Backend, BackendOptions } from './backend.js';

/** BUS_URL names a backend this build cannot use. */
export class UnsupportedBusError extends Error {
  override readonly name = 'UnsupportedBusError';
}

/**
 * Opens the backend BUS_URL names: `memory://` (in process), `nats://` (core NATS + JetStream),
 * `redis://`, `rediss://`, `redis-cluster://`, `redis-clusters://` (pub/sub + Streams). The only
 * place that looks at the URL scheme. Each broker's module is loaded on demand, so the
 * memory-only all-in-one never loads nats.js or ioredis. Rejects when the broker cannot be reached.
 */
export async function openBackend(url: string, options: BackendOptions = {}): Promise<Backend> {
  const scheme = url.split('://', 1)[0];
  switch (scheme) {
    case 'memory': {
      const { openMemoryBackend } = await import('./memory/memory-backend.js');
      return openMemoryBackend(options);
    }
    case 'nats': {
      const { openNatsBackend } = await import('./nats/nats-backend.js');
      return openNatsBackend(url, options);
    }
    case 'redis':
    case 'rediss':
    case 'redis-cluster':
    case 'redis-clusters': {
      const { openRedisBackend } = await import('./redis/redis-backend.js');
      return openRedisBackend(url, options);
    }
    default:
      throw new UnsupportedBusError(`BUS_URL scheme "${scheme}" is not supported (use memory://, nats://, redis:// or redis-cluster://)`);
  }
}
