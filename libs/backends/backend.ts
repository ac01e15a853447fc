import type { Bus, BusOptions } from '@switchboard/bus';
import type { HistoryLimits, HistoryStore } from '@switchboard/history';

export interface BackendOptions extends BusOptions {
  /** Limits of the history; null (or absent) opens no history store. */
  history?: HistoryLimits | null;
  /** IDEMPOTENCY_TTL_MS: on NATS, the history stream's duplicate window. */
  idempotencyTtlMs?: number;
}

/**
 * One broker's bus and history, opened together. `history` is null when history is off. A
 * backend whose history publishes while it stores (Redis, NATS) returns a PublishingHistoryStore.
 */
export interface Backend {
  readonly bus: Bus;
  readonly history: HistoryStore | null;
  /** Closes the history and the bus. */
  close(): Promise<void>;
}

/** History settings as the services read them (HISTORY_SIZE 0 = off). */
export interface HistorySettings {
  HISTORY_SIZE: number;
  HISTORY_TTL_MS: number;
  /** Servers holding each message before an ack (default 1). */
  HISTORY_REPLICAS?: number;
  /** Bound on history's bytes over all topics (memory: evicts oldest; JetStream: the stream's max_bytes). */
  HISTORY_MAX_BYTES?: number;
}

/** The history limits of the settings, or null when history is off. */
export function historyLimits(settings: HistorySettings): HistoryLimits | null {
  if (settings.HISTORY_SIZE === 0) return null;
  return {
    size: settings.HISTORY_SIZE,
    ttlMs: settings.HISTORY_TTL_MS,
    replicas: settings.HISTORY_REPLICAS ?? 1,
    maxBytes: settings.HISTORY_MAX_BYTES,
  };
}

/** Opens the history (when asked) after the bus; closes the bus again if the history fails. */
export async function openBusAndHistory(
  openBus: () => Promise<Bus>,
  openHistory: (limits: HistoryLimits) => Promise<HistoryStore>,
  limits: HistoryLimits | null | undefined,
): Promise<Backend> {
  const bus = await openBus();
  let history: HistoryStore | null = null;
  if (limits !== null && limits !== undefined) {
    try {
      history = await openHistory(limits);
    } catch (err) {
      await bus.close();
      throw err;
    }
  }
  return {
    bus,
    history,
    async close() {
      await history?.close();
      await bus.close();
    },
  };
}
