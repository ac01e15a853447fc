import { type Bus, BusUnavailableError } from '@switchboard/bus';
import { encodeBusMessage, encodeMessageFrame } from '@switchboard/protocol';
import { type HistoryStore, publishesOnAppend } from './history-store.js';
import { PublishTelemetry } from './publish-telemetry.js';

export interface PublishResult {
  /** Offset given by the history store; null when history is off. */
  offset: number | null;
  epoch: string | null;
}

/**
 * The one way a message enters the system (api and client publishes alike): store it in the
 * topic's history when history is on, then put the encoded `message` frame on the bus. A
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
 * Each message gets a PRODUCER span while tracing is on; the bus message carries the span's
 * context in its envelope only when sampled (see libs/protocol bus-envelope.ts).
 */
export class Publisher {
  /** The tail of each topic's chain of in-flight publishes (removed when it settles). */
  private readonly tails = new Map<string, Promise<unknown>>();
  /** Messages stored but not announced on the bus (the bus publish failed after the append). */
  unannounced = 0;

  constructor(
    private readonly bus: Bus,
    private readonly history: HistoryStore | null,
    private readonly telemetry: PublishTelemetry = new PublishTelemetry(null, Number.POSITIVE_INFINITY),
  ) {}

  async publish(topic: string, dataJson: string): Promise<PublishResult> {
    if (this.bus.state !== 'up') throw new BusUnavailableError(`bus is ${this.bus.state}`);
    const producer = this.telemetry.startProducer(this.bus.kind, topic, dataJson.length);
    if (producer === null) return this.store(topic, dataJson, this.telemetry.envelope(null));
    try {
      const result = await this.store(topic, dataJson, this.telemetry.envelope(producer));
      if (result.offset !== null) producer.span.setAttribute('switchboard.offset', result.offset);
      producer.end();
      return result;
    } catch (err) {
      producer.end(err);
      throw err;
    }
  }

  private async store(topic: string, dataJson: string, envelope: Buffer): Promise<PublishResult> {
    const { history, telemetry } = this;
    if (history === null) {
      const payload = encodeBusMessage(encodeMessageFrame(topic, null, dataJson), envelope);
      await telemetry.timePublish(() => this.bus.publish(topic, payload));
      return { offset: null, epoch: null };
    }
    if (publishesOnAppend(history)) return telemetry.timeAppend(history.kind, topic, () => history.append(topic, dataJson, envelope));
    // The append starts at once: the store numbers one topic's appends in call order and may
    // have many in flight (JetStream batches them). Only the hand-over to the bus is chained,
    // so frames leave in offset order without waiting for each other's broker confirmation.
    const stored = telemetry.timeAppend(history.kind, topic, () => history.append(topic, dataJson));
    const previous = this.tails.get(topic);
    const handed = (async () => {
      const tip = await stored;
      if (previous !== undefined) await previous.catch(() => undefined);
      const frame = encodeBusMessage(encodeMessageFrame(topic, tip.offset, dataJson), envelope);
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
      return { offset: tip.offset, epoch: tip.epoch };
    } finally {
      if (this.tails.get(topic) === handed) this.tails.delete(topic);
    }
  }
}
