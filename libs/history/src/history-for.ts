import type { Bus } from '@switchboard/bus';
import type { HistoryStore } from './history-store.js';
import { MemoryHistory } from './memory-history.js';

/** The history store that lives beside a bus (memory for `memory://`); null when size is 0. */
export function historyFor(bus: Bus, limits: { HISTORY_SIZE: number; HISTORY_TTL_MS: number }): HistoryStore | null {
  if (limits.HISTORY_SIZE === 0) return null;
  if (bus.kind === 'memory') return new MemoryHistory({ size: limits.HISTORY_SIZE, ttlMs: limits.HISTORY_TTL_MS });
  throw new Error(`no history store for bus "${bus.kind}"`);
}
