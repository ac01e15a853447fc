import type { HistoryLimits, HistoryStore } from '@switchboard/history';
import { MemoryHistory } from './memory/memory-history.js';

/** History settings as the services read them (HISTORY_SIZE 0 = off). */
export interface HistorySettings {
  HISTORY_SIZE: number;
  HISTORY_TTL_MS: number;
  /** Bound on history's bytes over all topics (memory: evicts oldest; JetStream: the stream's max_bytes). */
  HISTORY_MAX_BYTES?: number;
  /** The bus's BUS_PREFIX (default `sb`): Redis history publishes on the bus's channels. */
  BUS_PREFIX?: string;
}

/**
 * Opens the history store that lives beside the bus BUS_URL names: memory for `memory://`,
 * JetStream for `nats://`, Redis Streams for `redis://` and `redis-cluster://`. Null when
 * HISTORY_SIZE is 0.
 */
export async function openHistory(busUrl: string, settings: HistorySettings): Promise<HistoryStore | null> {
  if (settings.HISTORY_SIZE === 0) return null;
  const limits: HistoryLimits = { size: settings.HISTORY_SIZE, ttlMs: settings.HISTORY_TTL_MS, maxBytes: settings.HISTORY_MAX_BYTES };
  const scheme = busUrl.split('://', 1)[0];
  switch (scheme) {
    case 'memory':
      return new MemoryHistory(limits);
    case 'nats': {
      // Loaded on demand, so the memory-only all-in-one never loads nats.js.
      const { JetStreamHistory } = await import('./nats/jetstream-history.js');
      return JetStreamHistory.connect(busUrl, limits, { prefix: settings.BUS_PREFIX });
    }
    case 'redis':
    case 'rediss':
    case 'redis-cluster':
    case 'redis-clusters': {
      // Loaded on demand, so the memory-only all-in-one never loads ioredis.
      const { RedisHistory } = await import('./redis/redis-history.js');
      return RedisHistory.connect(busUrl, limits, { prefix: settings.BUS_PREFIX });
    }
    default:
      throw new Error(`no history store for BUS_URL scheme "${scheme}"`);
  }
}
