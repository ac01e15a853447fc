import { type Bus, BusUnavailableError } from '@switchboard/bus';
import { encodeBusMessage, encodeMessage, type MessageData } from '@switchboard/protocol';
import { type HistoryStore, publishesOnAppend } from './history-store.js';
import type { IdempotencyKey, IdempotentTip } from './idempotency.js';
import { IdempotencyTable } from './idempotency-table.js';
import { OrderedRelease } from './ordered-release.js';
import { PublishTelemetry } from './publish-telemetry.js';

const skip = (): void => undefined;

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
 * resolved promise means "stored and handed to the bus" (with history on, not "confirmed by the
 * bus": see below); a rejection means not accepted.
 *
 * When the store publishes by itself (a PublishingHistoryStore: Redis, where one Lua script stores
 * and publishes atomically; NATS, whose stream republishes what it stored) the Publisher only
 * appends. Otherwise appends run concurrently
 * (the store orders them) and only the hand-over to the bus is ordered per topic, so this
 * process hands a topic's messages to the bus in offset order without a round trip each.
 *
 * With history on, the history is the log and the bus only tells edges that something new is
 * there: once a message is stored it is accepted, even if the bus publish that follows fails
 * (edges fill the gap from history on the topic's next message or when their bus comes back,
 * and clients recover it with `since`), so the answer does not wait for the bus's confirmation
 * (a NATS PING round trip). While the bus is known to be down nothing is stored.
 *
 * Idempotency keys go to the store when it deduplicates across processes (`deduplicates`:
 * Redis, JetStream); otherwise (memory history, history off) this process's bounded table
 * answers repeats, which is exact for the single-process memory backend.
 *
 * Each message gets a PRODUCER span while tracing is on; the bus message carries the span's
 * context in its envelope only when sampled (see libs/protocol bus-envelope.ts).
 */
export class Publisher {
  /** Each topic's stored messages in call (= offset) order, waiting for their turn on the bus. */
  private readonly order = new OrderedRelease();
  /** Messages stored but not announced on the bus (the bus publish failed after the append). */
  unannounced = 0;
  /** Idempotency keys of this process, when the store does not keep them. */
  readonly keys: IdempotencyTable;
  private readonly countUnannounced = (): void => {
    this.unannounced++;
  };

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
    // have many in flight. Only the hand-over to the bus is ordered:
    // each message goes to the bus once it and every earlier one of its topic are stored, and
    // acks that arrive together are handed over in one synchronous run (see OrderedRelease).
    const slot = this.order.reserve(topic);
    let tip: IdempotentTip;
    try {
      tip = await telemetry.timeAppend(history.kind, topic, () => history.append(topic, data, key));
    } catch (err) {
      this.order.ready(topic, slot, skip);
      throw err;
    }
    if (tip.replayed) {
      this.order.ready(topic, slot, skip);
      return { offset: tip.offset, epoch: tip.epoch, replayed: true };
    }
    const offset = tip.offset;
    // Stored is accepted: the answer does not wait for the bus to confirm the hand-over (a
    // failed announcement is only counted; edges fill the gap from history).
    await new Promise<void>((handed) =>
      this.order.ready(topic, slot, () => {
        try {
          const frame = encodeBusMessage(encodeMessage(topic, offset, data), envelope);
          telemetry.timePublish(() => this.bus.publish(topic, frame)).catch(this.countUnannounced);
        } catch {
          this.unannounced++;
        }
        handed();
      }),
    );
    return { offset: tip.offset, epoch: tip.epoch };
  }
}
