import type { Bus, BusSubscription } from '@switchboard/bus';
import { CloseCode } from '@switchboard/protocol';
import type { EdgeStats } from './edge-stats.js';
import { OutboundMessage } from './outbound-message.js';
import type { Subscription } from './session.js';

const EMPTY: ReadonlySet<Subscription> = new Set();

/** The local subscribers of one topic or pattern, and the bus subscription held for them. */
interface Interest {
  readonly subscribers: Set<Subscription>;
  readonly bus: Promise<BusSubscription>;
}

/**
 * Who on this edge wants which topic. The edge holds one bus subscription per topic or pattern
 * while at least one local client wants it (interest counting), and fans each bus message out
 * to the local subscribers: one OutboundMessage per message, the same bytes to every socket.
 */
export class SubscriptionRegistry {
  private readonly interests = new Map<string, Interest>();

  constructor(
    private readonly bus: Bus,
    private readonly stats: EdgeStats,
    private readonly sendBufferLimit: number,
  ) {}

  /** Number of topics and patterns this edge holds a bus subscription for. */
  get topicCount(): number {
    return this.interests.size;
  }

  /** The local subscribers of a topic or pattern (for presence); do not modify. */
  subscribersOf(key: string): ReadonlySet<Subscription> {
    return this.interests.get(key)?.subscribers ?? EMPTY;
  }

  /** Every topic or pattern held here with its local subscribers (for presence reports). */
  entries(): IterableIterator<[string, ReadonlySet<Subscription>]> {
    return [...this.interests].map(([key, interest]): [string, ReadonlySet<Subscription>] => [key, interest.subscribers]).values();
  }

  /** Adds a subscriber; resolves once the bus delivers the topic here (rejects if it can't). */
  async add(sub: Subscription): Promise<void> {
    let interest = this.interests.get(sub.key);
    if (interest === undefined) {
      const subscribers = new Set<Subscription>();
      const busSubscription = this.bus.subscribe(sub.key, (_topic, payload) => this.fanOut(subscribers, payload));
      interest = { subscribers, bus: busSubscription };
      this.interests.set(sub.key, interest);
      busSubscription.catch(() => {
        if (this.interests.get(sub.key) === interest) this.interests.delete(sub.key);
      });
    }
    interest.subscribers.add(sub);
    try {
      await interest.bus;
    } catch (err) {
      interest.subscribers.delete(sub);
      throw err;
    }
  }

  remove(sub: Subscription): void {
    const interest = this.interests.get(sub.key);
    if (interest === undefined || !interest.subscribers.delete(sub)) return;
    if (interest.subscribers.size > 0) return;
    this.interests.delete(sub.key);
    interest.bus.then((s) => s.unsubscribe()).catch(() => undefined);
  }

  /** The hot path: called once per bus message per topic or pattern held here. */
  private fanOut(subscribers: Set<Subscription>, payload: Uint8Array): void {
    this.stats.busMessages++;
    const message = new OutboundMessage(payload);
    for (const sub of subscribers) {
      if (sub.session.closed) continue;
      if (sub.pending !== null) {
        this.hold(sub, message);
        continue;
      }
      const transport = sub.session.transport;
      if (transport.bufferedBytes > this.sendBufferLimit) {
        this.cutSlowConsumer(sub);
        continue;
      }
      transport.sendMessage(message);
      this.stats.deliveries++;
    }
  }

  /** A subscription still catching up keeps live messages, within the send-buffer limit. */
  private hold(sub: Subscription, message: OutboundMessage): void {
    const pending = sub.pending as OutboundMessage[];
    sub.pendingBytes += message.payload.length;
    if (sub.pendingBytes > this.sendBufferLimit) this.cutSlowConsumer(sub);
    else pending.push(message);
  }

  private cutSlowConsumer(sub: Subscription): void {
    this.stats.slowConsumerCloses++;
    sub.session.close(CloseCode.Timeout, 'slow consumer');
  }
}
