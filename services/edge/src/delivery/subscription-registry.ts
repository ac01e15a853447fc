import type { Bus } from '@switchboard/bus';
import type { HistoryStore } from '@switchboard/history';
import { isReservedTopic, isWildcard } from '@switchboard/protocol';
import type { EdgeStats } from '../metrics/edge-stats.js';
import type { Subscription } from '../session/session.js';
import { Interest } from './interest.js';

const EMPTY: ReadonlySet<Subscription> = new Set();

export interface RegistryOptions {
  history: HistoryStore | null;
  historyLimit: number;
  sendBufferLimit: number;
}

/**
 * Who on this edge wants which topic. The edge holds one bus subscription per topic or pattern
 * while at least one local client wants it (interest counting); each Interest fans its bus
 * messages out to the local subscribers.
 */
export class SubscriptionRegistry {
  private readonly interests = new Map<string, Interest>();
  /** Distinct wildcard patterns held (bounded by MAX_PATTERNS_PER_EDGE, see `admits`). */
  private patterns = 0;

  constructor(
    private readonly bus: Bus,
    private readonly stats: EdgeStats,
    private readonly options: RegistryOptions,
  ) {}

  /** Number of topics and patterns this edge holds a bus subscription for. */
  get topicCount(): number {
    return this.interests.size;
  }

  /** Distinct wildcard patterns this edge holds a bus subscription for. */
  get patternCount(): number {
    return this.patterns;
  }

  /** False when `key` is a wildcard pattern this edge does not hold yet and it holds `maxPatterns` already. */
  admits(key: string, maxPatterns: number): boolean {
    return !isWildcard(key) || this.interests.has(key) || this.patterns < maxPatterns;
  }

  /** The local subscribers of a topic or pattern (for presence); do not modify. */
  subscribersOf(key: string): ReadonlySet<Subscription> {
    return this.interests.get(key)?.subscribers ?? EMPTY;
  }

  /** Every topic or pattern held here with its local subscribers (for presence reports). */
  entries(): IterableIterator<[string, ReadonlySet<Subscription>]> {
    return [...this.interests].map(([key, interest]): [string, ReadonlySet<Subscription>] => [key, interest.subscribers]).values();
  }

  /** The Interest of a topic, if this edge holds one. */
  interestIn(key: string): Interest | undefined {
    return this.interests.get(key);
  }

  /** Adds a subscriber; resolves once the bus delivers the topic here (rejects if it can't). */
  async add(sub: Subscription): Promise<void> {
    let interest = this.interests.get(sub.key);
    if (interest === undefined) {
      const { history, historyLimit, sendBufferLimit } = this.options;
      const created = new Interest(sub.key, {
        history: isWildcard(sub.key) ? null : history,
        historyLimit,
        sendBufferLimit,
        stats: this.stats,
      });
      // A wildcard never delivers a reserved topic (`$…`): NATS matches `>` server-side.
      const wildcard = isWildcard(sub.key);
      created.bus = this.bus.subscribe(sub.key, (topic, payload) => {
        if (!wildcard || !isReservedTopic(topic)) created.receive(payload);
      });
      created.bus.catch(() => {
        if (this.interests.get(sub.key) === created) this.forget(sub.key);
      });
      this.interests.set(sub.key, created);
      if (wildcard) this.patterns++;
      interest = created;
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
    this.forget(sub.key);
    interest.bus?.then((s) => s.unsubscribe()).catch(() => undefined);
  }

  private forget(key: string): void {
    if (this.interests.delete(key) && isWildcard(key)) this.patterns--;
  }

  /** After a bus outage: every ordered topic fetches what it missed. */
  resyncAll(): void {
    for (const interest of this.interests.values()) interest.resync();
  }
}
