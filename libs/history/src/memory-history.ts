import { randomBytes } from 'node:crypto';
import type { HistoryEntry, HistoryLimits, HistoryPage, HistoryStore, StreamTip } from './history-store.js';
import { HistoryUnavailableError } from './history-store.js';

interface StoredEntry extends HistoryEntry {
  expiresAt: number;
}

interface TopicLog {
  epoch: string;
  last: number;
  /** Oldest first; never longer than `limits.size`. */
  entries: StoredEntry[];
}

/**
 * History in process memory: a bounded array per topic, expired lazily and by a periodic
 * sweep that also forgets topics whose every message expired (their next message starts a
 * new epoch, so clients can tell that the old offsets are gone).
 */
export class MemoryHistory implements HistoryStore {
  readonly kind = 'memory';
  private readonly logs = new Map<string, TopicLog>();
  private readonly storeId = randomBytes(4).toString('hex');
  private generation = 0;
  private closed = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly limits: HistoryLimits,
    private readonly now: () => number = Date.now,
  ) {
    if (!(limits.size >= 1) || !(limits.ttlMs > 0)) throw new RangeError('history size and ttl must be positive');
    this.sweeper = setInterval(() => this.sweep(), Math.min(limits.ttlMs, 60_000));
    this.sweeper.unref();
  }

  /** The epoch a topic that holds nothing reports: stable, so a later first message is no gap. */
  private emptyEpoch(): string {
    return `${this.storeId}-0`;
  }

  async append(topic: string, data: string): Promise<StreamTip> {
    if (this.closed) throw new HistoryUnavailableError('history store is closed');
    let log = this.logs.get(topic);
    if (log === undefined) {
      this.generation += 1;
      log = { epoch: `${this.storeId}-${this.generation}`, last: 0, entries: [] };
      this.logs.set(topic, log);
    }
    log.last += 1;
    log.entries.push({ offset: log.last, data, expiresAt: this.now() + this.limits.ttlMs });
    if (log.entries.length > this.limits.size) log.entries.shift();
    return { offset: log.last, epoch: log.epoch };
  }

  async since(topic: string, offset: number, limit: number, epoch?: string): Promise<HistoryPage> {
    const log = this.live(topic);
    if (log === undefined) {
      return {
        offset: 0,
        epoch: this.emptyEpoch(),
        messages: [],
        complete: epoch === undefined || offset === 0 || epoch === this.emptyEpoch(),
      };
    }
    const sameEpoch = epoch === undefined || epoch === log.epoch;
    const from = sameEpoch ? offset : 0;
    const messages: HistoryEntry[] = [];
    for (const entry of log.entries) {
      if (entry.offset <= from) continue;
      if (messages.length >= limit) break;
      messages.push({ offset: entry.offset, data: entry.data });
    }
    const firstWanted = from + 1;
    const nothingNewer = log.last <= from;
    const startsRight = messages[0]?.offset === firstWanted;
    const complete = (sameEpoch || offset === 0) && (nothingNewer || startsRight);
    return { offset: log.last, epoch: log.epoch, messages, complete };
  }

  async tip(topic: string): Promise<StreamTip> {
    const log = this.live(topic);
    return log === undefined ? { offset: 0, epoch: this.emptyEpoch() } : { offset: log.last, epoch: log.epoch };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    this.logs.clear();
  }

  /** Number of topics held, for metrics and tests. */
  get topicCount(): number {
    return this.logs.size;
  }

  /** The topic's log with expired entries dropped; undefined when it holds nothing live. */
  private live(topic: string): TopicLog | undefined {
    const log = this.logs.get(topic);
    if (log === undefined) return undefined;
    const now = this.now();
    let expired = 0;
    while (expired < log.entries.length && (log.entries[expired] as StoredEntry).expiresAt <= now) expired++;
    if (expired > 0) log.entries.splice(0, expired);
    return log;
  }

  private sweep(): void {
    const now = this.now();
    for (const [topic, log] of this.logs) {
      const newest = log.entries[log.entries.length - 1];
      if (newest === undefined || newest.expiresAt <= now) this.logs.delete(topic);
    }
  }
}
