import type { HistoryLimits, HistoryStore } from './history-store.js';
import { MemoryHistory } from './memory-history.js';

/** History settings as the services read them (HISTORY_SIZE 0 = off). */
export interface HistorySettings {
  HISTORY_SIZE: number;
  HISTORY_TTL_MS: number;
}

/**
 * Opens the history store that lives beside the bus BUS_URL names: memory for `memory://`,
 * JetStream for `nats://`, Redis Streams for `redis://` and `redis-cluster://`. Null when
 * HISTORY_SIZE is 0.
 */
export async function openHistory(busUrl: string, settings: HistorySettings): Promise<HistoryStore | null> {
  if (settings.HISTORY_SIZE === 0) return null;
  const limits: HistoryLimits = { size: settings.HISTORY_SIZE, ttlMs: settings.HISTORY_TTL_MS };
  const scheme = busUrl.split('://', 1)[0];
  switch (scheme) {
    case 'memory':
      return new MemoryHistory(limits);
    default:
      throw new Error(`no history store for BUS_URL scheme "${scheme}"`);
  }
}
