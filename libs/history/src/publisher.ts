import { type Bus, BusUnavailableError } from '@switchboard/bus';
import { encodeBusMessage, encodeMessage, type MessageData } from '@switchboard/protocol';
import { type HistoryStore, publishesOnAppend } from './history-store.js';
import type { IdempotencyKey } from './idempotency.js';
import { IdempotencyTable } from './idempotency-table.js';
import { PublishTelemetry } from './publish-telemetry.js';

export interface PublishResult {
  /** Offset given by the history store; null when history is off. */
  offset: number | null;
  epoch: string | null;
  /** True when an idempotency key was seen before: nothing was stored or published now. */
  replayed?: boolean;
}

/**
 * The one way a message enters the system (api and client publishes alike): store it in the
 * topic's history when history is on, then put the encoded `message` frame on the bus (the JSON
 * text frame, or the binary frame of a bytes message: libs/protocol binary-frame.ts). A
 * resolved promise means "stored and handed to the bus"; a rejection means not accepted.
 *
 * When the store publishes by itself (a PublishingHistoryStore: Redis, where one Lua script stores
 * and publishes atomically) the Publisher only appends. Otherwise appends run concurrently
 * (the store orders them) and only the hand-over to the bus is chained per topic, so this
 * process hands a topic's messages to the bus in offset order without a round trip each.
 *
 * With history on, the history is the log and the bus only tells edges that something new is
 * there: once a message is stored it is accepted, even if the bus publish that follows fails
 * (edges fill the gap from history on the topic's next message or when their bus comes back,
 * and clients recover it with `since`). While the bus is known to be down nothing is stored.
 *
 * Idempotency keys go to the store when it deduplicates across processes (`deduplicates`:
 * Redis, JetStream); otherwise (memory history, history off) this process's bounded table
 * answers repeats, which is exact for the single-process memory backend.
 *
 * Each message gets a PRODUCER span while tracing is on; the bus message carries the span's
 * context in its envelope only when sampled (see libs/protocol bus-envelope.ts).
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
    private readonly telemetry: PublishTelemetry = new PublishTelemetry(null, Number.POSITIVE_INFINITY),
    options: { maxIdempotencyKeys?: number } = {},
  ) {
    this.keys = new IdempotencyTable(options.maxIdempotencyKeys);
  }

  /**
   * Publishes `data` (JSON text, or bytes) on `topic`. With `key`, a repeat of the key on the
   * topic within its TTL publishes nothing and answers the original result (`replayed`); another
   * body under the same key rejects with IdempotencyConflictError.
   */
  async publish(topic: string, data: MessageData, key?: IdempotencyKey): Promise<PublishResult> {
    if (this.bus.state !== 'up') throw new BusUnavailableError(`bus is ${this.bus.state}`);
    if (key === undefined) return this.traced(topic, data);
    if (this.history?.deduplicates) return this.traced(topic, data, key);
    return this.keys.run(topic, key, () => this.traced(topic, data));
  }

  private async traced(topic: string, data: MessageData, key?: IdempotencyKey): Promise<PublishResult> {
    const producer = this.telemetry.startProducer(this.bus.kind, topic, data.length);
    if (producer === null) return this.store(topic, data, this.telemetry.envelope(null), key);
    try {
      const result = await this.store(topic, data, this.telemetry.envelope(producer), key);
      if (result.offset !== null) producer.span.setAttribute('switchboard.offset', result.offset);
      producer.end();
      return result;
    } catch (err) {
      producer.end(err);
      throw err;
    }
  }

  private async store(topic: string, data: MessageData, envelope: Buffer, key?: IdempotencyKey): Promise<PublishResult> {
    const { history, telemetry } = this;
    if (history === null) {
      const payload = encodeBusMessage(encodeMessage(topic, null, data), envelope);
      await telemetry.timePublish(() => this.bus.publish(topic, payload));
      return { offset: null, epoch: null };
    }
    if (publishesOnAppend(history)) {
      return telemetry.timeAppend(history.kind, topic, () => history.append(topic, data, key, envelope));
    }
    // The append starts at once: the store numbers one topic's appends in call order and may
    // have many in flight (JetStream batches them). Only the hand-over to the bus is chained,
    // so frames leave in offset order without waiting for each other's broker confirmation.
    const stored = telemetry.timeAppend(history.kind, topic, () => history.append(topic, data, key));
    const previous = this.tails.get(topic);
    const handed = (async () => {
      const tip = await stored;
      if (tip.replayed) return { tip, sent: Promise.resolve(true) };
      if (previous !== undefined) await previous.catch(() => undefined);
      const frame = encodeBusMessage(encodeMessage(topic, tip.offset, data), envelope);
      const sent = telemetry
        .timePublish(() => this.bus.publish(topic, frame))
        .then(
          () => true,
          () => false,
        );
      return { tip, sent };
    })();
    this.tails.set(topic, handed);
    try {
      const { tip, sent } = await handed;
      if (!(await sent)) this.unannounced++;
      return tip.replayed ? { offset: tip.offset, epoch: tip.epoch, replayed: true } : { offset: tip.offset, epoch: tip.epoch };
    } finally {
      if (this.tails.get(topic) === handed) this.tails.delete(topic);
    }
  }
}
