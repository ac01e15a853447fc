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
 */
export class Publisher {
  constructor(
    private readonly bus: Bus,
    private readonly history: HistoryStore | null,
  ) {}

  async publish(topic: string, dataJson: string): Promise<PublishResult> {
    if (this.bus.state !== 'up') throw new BusUnavailableError(`bus is ${this.bus.state}`);
    let offset: number | null = null;
    let epoch: string | null = null;
    if (this.history !== null) ({ offset, epoch } = await this.history.append(topic, dataJson));
    await this.bus.publish(topic, Buffer.from(encodeMessageFrame(topic, offset, dataJson)));
    return { offset, epoch };
  }
}
