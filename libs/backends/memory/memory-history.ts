import { randomBytes } from 'node:crypto';
import type { HistoryEntry, HistoryLimits, HistoryPage, HistoryStore, StreamTip } from '@switchboard/history';
import { HistoryUnavailableError } from '@switchboard/history';
import type { MessageData } from '@switchboard/protocol';
import { type HeldText, HistorySlabs } from './history-slabs.js';

interface StoredEntry {
  offset: number;
  /** The data (JSON text or bytes), in the store's slabs (outside the JS heap); null once dropped. */
  data: HeldText | null;
  /**
   * The data as a string (or Buffer for bytes), once a reader asked for it: kept (and counted in the bound) while the
   * message is held, so replays of it copy nothing more. Made at the drop of a message handed
   * to a reader and not read yet, since its slab may then be reused.
   */
  text: MessageData | null;
  /** Bytes of `text` counted in the bound. */
  textBytes: number;
  /** True once `since` handed it out (its reader may read it later, after a drop). */
  lent: boolean;
  expiresAt: number;
  /** False once dropped (by size, age or the byte bound); the eviction queue skips it. */
  held: boolean;
  log: TopicLog;
}

interface TopicLog {
  last: number;
  /** The epoch this topic's offsets belong to (the store's, or a later one after the counter was freed). */
  epoch: string;
  /** When the last message was appended. */
  appendedAt: number;
  /** Oldest first; never longer than `limits.size`. */
  entries: StoredEntry[];
}

/** Bytes counted per message besides its data (the entry object, its array slot, queue slot). */
const ENTRY_OVERHEAD = 96;

/**
 * History in process memory: a bounded array per topic, expired lazily and by a periodic sweep,
 * and a bound on all topics' bytes (`limits.maxBytes`, HISTORY_MAX_BYTES): past it the oldest
 * messages of any topic are dropped, in append order. Data texts live in HistorySlabs, outside
 * the JS heap, and the bound counts their slabs whole: when the oldest slab still holds a
 * message, dropping for the bound goes on until that slab is empty (at most one slab, 1/64 of
 * the bound, more than the bytes alone would need). A message read (see `lend`) also keeps its
 * text as a string while held, counted in the bound.
 *
 * Epochs: a topic's offset counter is kept while it holds messages and for `ttlMs` after its
 * last append; then (nothing held, idle) the sweep frees it, so idle topics cost nothing. If the
 * topic is published again its offsets start over at 1 in a NEW epoch (`<store epoch>.<n>`), so
 * offsets never restart inside an epoch. A restart of the process is a new epoch too.
 */
export class MemoryHistory implements HistoryStore {
  readonly kind = 'memory';
  private readonly logs = new Map<string, TopicLog>();
  /** The epoch of the store's first generation of topics. */
  readonly epoch = randomBytes(6).toString('base64url');
  /** Bumped each time a sweep frees counters: topics created afterwards get a new epoch. */
  private generation = 0;
  /** Every held message in append order (with dropped ones not yet passed), for the byte bound. */
  private queue: StoredEntry[] = [];
  private queueHead = 0;
  /** Bytes of the entries (ENTRY_OVERHEAD each); their data's are `slabs.bytes`. */
  private entryBytes = 0;
  private slabs: HistorySlabs;
  private closed = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly limits: HistoryLimits,
    private readonly now: () => number = Date.now,
  ) {
    if (!(limits.size >= 1) || !(limits.ttlMs > 0)) throw new RangeError('history size and ttl must be positive');
    this.slabs = new HistorySlabs(limits.maxBytes);
    this.sweeper = setInterval(() => this.sweep(), Math.min(limits.ttlMs, 60_000));
    this.sweeper.unref();
  }

  /**
   * Bytes held over all topics, as the bound counts them: the slabs holding data (whole, see
   * HistorySlabs) plus a fixed overhead per message. For metrics and tests.
   */
  get heldBytes(): number {
    return this.slabs.bytes + this.entryBytes;
  }

  /** Topics whose counters are held. */
  get topicCount(): number {
    return this.logs.size;
  }

  async append(topic: string, data: MessageData): Promise<StreamTip> {
    if (this.closed) throw new HistoryUnavailableError('history store is closed');
    const now = this.now();
    let log = this.logs.get(topic);
    if (log === undefined) {
      log = { last: 0, epoch: this.currentEpoch(), appendedAt: now, entries: [] };
      this.logs.set(topic, log);
    }
    log.last += 1;
    log.appendedAt = now;
    const entry: StoredEntry = {
      offset: log.last,
      data: this.slabs.store(data),
      text: null,
      textBytes: 0,
      lent: false,
      expiresAt: now + this.limits.ttlMs,
      held: true,
      log,
    };
    log.entries.push(entry);
    this.queue.push(entry);
    this.entryBytes += ENTRY_OVERHEAD;
    if (log.entries.length > this.limits.size) this.drop(log.entries.shift() as StoredEntry);
    this.enforceBytes();
    return { offset: log.last, epoch: log.epoch };
  }

  async since(topic: string, offset: number, limit: number, epoch?: string): Promise<HistoryPage> {
    const log = this.live(topic);
    const last = log?.last ?? 0;
    const current = log?.epoch ?? this.currentEpoch();
    const sameEpoch = epoch === undefined || epoch === current;
    const from = sameEpoch ? offset : 0;
    const messages: HistoryEntry[] = [];
    for (const entry of log?.entries ?? []) {
      if (entry.offset <= from) continue;
      if (messages.length >= limit) break;
      messages.push(this.lend(entry));
    }
    const nothingNewer = last <= from;
    const startsRight = messages[0]?.offset === from + 1;
    const complete = (sameEpoch || offset === 0) && (nothingNewer || startsRight);
    return { offset: last, epoch: current, messages, complete };
  }

  async tip(topic: string): Promise<StreamTip> {
    const log = this.logs.get(topic);
    return { offset: log?.last ?? 0, epoch: log?.epoch ?? this.currentEpoch() };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    this.logs.clear();
    this.queue = [];
    this.entryBytes = 0;
    this.slabs = new HistorySlabs(this.limits.maxBytes);
  }

  /** Number of messages held over all topics, for metrics and tests. */
  get messageCount(): number {
    let count = 0;
    for (const log of this.logs.values()) count += log.entries.length;
    return count;
  }

  private currentEpoch(): string {
    return this.generation === 0 ? this.epoch : `${this.epoch}.${this.generation}`;
  }

  /** Uncounts a message that left its topic's log. */
  private drop(entry: StoredEntry): void {
    if (!entry.held) return;
    entry.held = false;
    this.entryBytes -= ENTRY_OVERHEAD + entry.textBytes;
    entry.textBytes = 0;
    if (entry.data !== null) {
      if (entry.lent && entry.text === null) entry.text = this.slabs.read(entry.data);
      this.slabs.release(entry.data);
    }
    entry.data = null;
  }

  /**
   * A message for a reader, whose `data` is made into a string only when read: a replay that
   * reads a page but sends one message (its socket full) copies one text, not the page.
   */
  private lend(entry: StoredEntry): HistoryEntry {
    entry.lent = true;
    const store = this;
    return {
      offset: entry.offset,
      get data() {
        return store.textOf(entry);
      },
    };
  }

  private textOf(entry: StoredEntry): MessageData {
    if (entry.text !== null) return entry.text;
    if (typeof entry.data === 'string') return entry.data;
    // Held (a lent message gets its text when dropped), so its bytes are still in its slab.
    const text = this.slabs.read(entry.data as HeldText);
    entry.text = text;
    entry.textBytes = text.length;
    this.entryBytes += text.length;
    this.enforceBytes();
    return text;
  }

  /** Drops the oldest messages, across topics, while over the byte bound. */
  private enforceBytes(): void {
    const max = this.limits.maxBytes;
    if (max !== undefined) {
      while (this.heldBytes > max && this.queueHead < this.queue.length) {
        const entry = this.queue[this.queueHead++] as StoredEntry;
        if (!entry.held) continue;
        const entries = entry.log.entries;
        // The oldest held message overall is the oldest of its topic.
        if (entries[0] === entry) entries.shift();
        else entries.splice(entries.indexOf(entry), 1);
        this.drop(entry);
      }
    }
    this.compactQueue();
  }

  /** Forgets queue slots of messages already dropped, once they are most of the queue. */
  private compactQueue(): void {
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    const heldCount = this.queue.length - this.queueHead;
    if (heldCount > 4096 && this.messageCountAtMost(heldCount / 2)) {
      this.queue = this.queue.slice(this.queueHead).filter((e) => e.held);
      this.queueHead = 0;
    }
  }

  /** True when at most `n` messages are held (cheap: stops counting past n). */
  private messageCountAtMost(n: number): boolean {
    let count = 0;
    for (const log of this.logs.values()) {
      count += log.entries.length;
      if (count > n) return false;
    }
    return true;
  }

  /** The topic's log with expired entries dropped. */
  private live(topic: string): TopicLog | undefined {
    const log = this.logs.get(topic);
    if (log !== undefined) this.expire(log, this.now());
    return log;
  }

  private expire(log: TopicLog, now: number): void {
    let expired = 0;
    while (expired < log.entries.length && (log.entries[expired] as StoredEntry).expiresAt <= now) {
      this.drop(log.entries[expired] as StoredEntry);
      expired++;
    }
    if (expired === log.entries.length) log.entries = [];
    else if (expired > 0) log.entries.splice(0, expired);
  }

  /** Expires messages and frees the counters of topics idle for `ttlMs` with nothing held. */
  private sweep(): void {
    const now = this.now();
    let freed = false;
    for (const [topic, log] of this.logs) {
      this.expire(log, now);
      if (log.entries.length === 0 && now - log.appendedAt >= this.limits.ttlMs) {
        this.logs.delete(topic);
        freed = true;
      }
    }
    // Topics created from now on start over at offset 1: a new epoch says so.
    if (freed) this.generation++;
    this.compactQueue();
  }
}
