import { type Bus, BusUnavailableError } from '@switchboard/bus';
import { encodeMessageFrame } from '@switchboard/protocol';
import type { HistoryStore } from './history-store.js';
import type { IdempotencyKey } from './idempotency.js';
import { IdempotencyTable } from './idempotency-table.js';

export interface PublishResult {
  /** Offset given by the history store; null when history is off. */
  offset: number | null;
  epoch: string | null;
  /** True when an idempotency key was seen before: nothing was stored or published now. */
  replayed?: boolean;
}

/**
 * The one way a message enters the system (api and client publishes alike): store it in the
 * topic's history when history is on, then put the encoded `message` frame on the bus. A
 * resolved promise means "stored and handed to the bus"; a rejection means not accepted.
 *
 * When the store publishes by itself (`history.publishes`: Redis, where one Lua script stores
 * and publishes atomically) the Publisher only appends. Otherwise the two steps of one topic
 * are chained, so this process hands a topic's messages to the bus in offset order.
 *
 * With history on, the history is the log and the bus only tells edges that something new is
 * there: once a message is stored it is accepted, even if the bus publish that follows fails
 * (edges fill the gap from history on the topic's next message or when their bus comes back,
 * and clients recover it with `since`). While the bus is known to be down nothing is stored.
 *
 * Idempotency keys go to the store when it deduplicates across processes (`deduplicates`:
 * Redis, JetStream); otherwise (memory history, history off) this process's bounded table
 * answers repeats, which is exact for the single-process memory backend.
 */
export class Publisher {
  /** The tail of each topic's chain of in-flight publishes (removed when it settles). */
  private readonly tails = new Map<string, Promise<unknown>>();
  /** Messages stored but not announced on the bus (the bus publish failed after the append). */
  unannounced = 0;
  /** Idempotency keys of this process, when the store does not keep them. */
  readonly keys: IdempotencyTable;

  constructor(
    private readonly bus: Bus,
    private readonly history: HistoryStore | null,
    options: { maxIdempotencyKeys?: number } = {},
  ) {
    this.keys = new IdempotencyTable(options.maxIdempotencyKeys);
  }

  /**
   * Publishes `dataJson` on `topic`. With `key`, a repeat of the key on the topic within its
   * TTL publishes nothing and answers the original result (`replayed`); another body under the
   * same key rejects with IdempotencyConflictError.
   */
  async publish(topic: string, dataJson: string, key?: IdempotencyKey): Promise<PublishResult> {
    if (this.bus.state !== 'up') throw new BusUnavailableError(`bus is ${this.bus.state}`);
    if (key === undefined) return this.publishNow(topic, dataJson);
    if (this.history?.deduplicates) return this.publishNow(topic, dataJson, key);
    return this.keys.run(topic, key, () => this.publishNow(topic, dataJson));
  }

  private async publishNow(topic: string, dataJson: string, key?: IdempotencyKey): Promise<PublishResult> {
    const history = this.history;
    if (history === null) {
      await this.bus.publish(topic, Buffer.from(encodeMessageFrame(topic, null, dataJson)));
      return { offset: null, epoch: null };
    }
    if (history.publishes) return history.append(topic, dataJson, key);
    const previous = this.tails.get(topic);
    const step = async (): Promise<PublishResult> => {
      if (previous !== undefined) await previous.catch(() => undefined);
      const { offset, epoch, replayed } = await history.append(topic, dataJson, key);
      if (replayed) return { offset, epoch, replayed };
      try {
        await this.bus.publish(topic, Buffer.from(encodeMessageFrame(topic, offset, dataJson)));
      } catch {
        this.unannounced++;
      }
      return { offset, epoch };
    };
    const result = step();
    this.tails.set(topic, result);
    try {
      return await result;
    } finally {
      if (this.tails.get(topic) === result) this.tails.delete(topic);
    }
  }
}
