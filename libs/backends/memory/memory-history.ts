import { randomBytes } from 'node:crypto';
import type { HistoryEntry, HistoryLimits, HistoryPage, HistoryStore, StreamTip } from '@switchboard/history';
import { HistoryUnavailableError } from '@switchboard/history';

interface StoredEntry extends HistoryEntry {
  expiresAt: number;
}

interface TopicLog {
  last: number;
  /** Oldest first; never longer than `limits.size`. */
  entries: StoredEntry[];
}

/**
 * History in process memory: a bounded array per topic, expired lazily and by a periodic sweep.
 * One epoch per store (per process life): a topic's offset counter is kept for as long as the
 * store lives, even after its messages expired, so offsets never restart inside an epoch. An
 * idle topic costs its name and one small object; its message array is freed.
 */
export class MemoryHistory implements HistoryStore {
  readonly kind = 'memory';
  private readonly logs = new Map<string, TopicLog>();
  readonly epoch = randomBytes(6).toString('base64url');
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

  async append(topic: string, data: string): Promise<StreamTip> {
    if (this.closed) throw new HistoryUnavailableError('history store is closed');
    let log = this.logs.get(topic);
    if (log === undefined) {
      log = { last: 0, entries: [] };
      this.logs.set(topic, log);
    }
    log.last += 1;
    log.entries.push({ offset: log.last, data, expiresAt: this.now() + this.limits.ttlMs });
    if (log.entries.length > this.limits.size) log.entries.shift();
    return { offset: log.last, epoch: this.epoch };
  }

  async since(topic: string, offset: number, limit: number, epoch?: string): Promise<HistoryPage> {
    const log = this.live(topic);
    const last = log?.last ?? 0;
    const sameEpoch = epoch === undefined || epoch === this.epoch;
    const from = sameEpoch ? offset : 0;
    const messages: HistoryEntry[] = [];
    for (const entry of log?.entries ?? []) {
      if (entry.offset <= from) continue;
      if (messages.length >= limit) break;
      messages.push({ offset: entry.offset, data: entry.data });
    }
    const nothingNewer = last <= from;
    const startsRight = messages[0]?.offset === from + 1;
    const complete = (sameEpoch || offset === 0) && (nothingNewer || startsRight);
    return { offset: last, epoch: this.epoch, messages, complete };
  }

  async tip(topic: string): Promise<StreamTip> {
    return { offset: this.logs.get(topic)?.last ?? 0, epoch: this.epoch };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    this.logs.clear();
  }

  /** Number of messages held over all topics, for metrics and tests. */
  get messageCount(): number {
    let count = 0;
    for (const log of this.logs.values()) count += log.entries.length;
    return count;
  }

  /** The topic's log with expired entries dropped. */
  private live(topic: string): TopicLog | undefined {
    const log = this.logs.get(topic);
    if (log !== undefined) this.expire(log, this.now());
    return log;
  }

  private expire(log: TopicLog, now: number): void {
    let expired = 0;
    while (expired < log.entries.length && (log.entries[expired] as StoredEntry).expiresAt <= now) expired++;
    if (expired === log.entries.length) log.entries = [];
    else if (expired > 0) log.entries.splice(0, expired);
  }

  private sweep(): void {
    const now = this.now();
    for (const log of this.logs.values()) this.expire(log, now);
  }
}
