import { type Bus, BusUnavailableError } from '@switchboard/bus';
import { encodeMessageFrame } from '@switchboard/protocol';
import type { HistoryStore } from './history-store.js';

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
 * When the store publishes by itself (`history.publishes`: Redis, where one Lua script stores
 * and publishes atomically) the Publisher only appends. Otherwise the two steps of one topic
 * are chained, so this process hands a topic's messages to the bus in offset order.
 */
export class Publisher {
  /** The tail of each topic's chain of in-flight publishes (removed when it settles). */
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly bus: Bus,
    private readonly history: HistoryStore | null,
  ) {}

  async publish(topic: string, dataJson: string): Promise<PublishResult> {
    if (this.bus.state !== 'up') throw new BusUnavailableError(`bus is ${this.bus.state}`);
    const history = this.history;
    if (history === null) {
      await this.bus.publish(topic, Buffer.from(encodeMessageFrame(topic, null, dataJson)));
      return { offset: null, epoch: null };
    }
    if (history.publishes) return history.append(topic, dataJson);
    const previous = this.tails.get(topic);
    const step = async (): Promise<PublishResult> => {
      if (previous !== undefined) await previous.catch(() => undefined);
      const { offset, epoch } = await history.append(topic, dataJson);
      await this.bus.publish(topic, Buffer.from(encodeMessageFrame(topic, offset, dataJson)));
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
