import type { BusSubscription } from '@switchboard/bus';
import type { HistoryPage, HistoryStore } from '@switchboard/history';
import { CloseCode } from '@switchboard/protocol';
import type { EdgeStats } from '../metrics/edge-stats.js';
import type { Subscription } from '../session/session.js';
import { messageFromBus, messageFromHistory, type OutboundMessage } from '../transport/outbound-message.js';
import { fanOut } from './fan-out.js';

/** A gap fetch that failed is retried this often, this many times (10 s), … */
const REPAIR_RETRY_MS = 250;
const REPAIR_RETRIES = 40;
/** … while no more than this many newer messages wait behind it. */
const MAX_HELD = 10_000;

export interface InterestDeps {
  /** The topic's history; null for a pattern or with history off (then delivery is unordered). */
  history: HistoryStore | null;
  historyLimit: number;
  sendBufferLimit: number;
  stats: EdgeStats;
}

/**
 * This edge's interest in one topic or pattern: the local subscribers and the bus subscription
 * held for them. For a concrete topic with history it also keeps the stream in order: it
 * remembers the last offset it fanned out, drops a message it already delivered (a duplicate
 * or late arrival), and when a message skips offsets (lost on the bus, reordered between two
 * publishers, or missed while the bus was down) it fetches the gap from history first. So every
 * local subscriber sees each offset once, in order, whatever the bus does.
 */
export class Interest {
  readonly subscribers = new Set<Subscription>();
  bus: Promise<BusSubscription> | undefined;
  /** Offset of the newest message fanned out (null until known). */
  lastOffset: number | null = null;
  /** Epoch of the topic's history, as first seen. */
  epoch: string | null = null;
  /** While a gap is being fetched, newer bus messages wait here. */
  private waiting: OutboundMessage[] | null = null;

  constructor(
    readonly key: string,
    private readonly deps: InterestDeps,
  ) {}

  /** Called once per bus message for this topic or pattern. */
  receive(payload: Uint8Array): void {
    this.deps.stats.busMessages++;
    const message = messageFromBus(payload);
    if (message.envelope === null) this.accept(message);
    else this.deps.stats.delivery.deliver(message, this.subscribers.size, () => this.accept(message));
  }

  /** What a subscribe's catch-up learned of the topic's tip: seeds ordering. */
  noteTip(offset: number, epoch: string): void {
    // An empty topic's epoch may be a placeholder that its first message replaces: only a
    // topic that holds messages names the epoch offsets belong to.
    if (offset > 0) this.epoch ??= epoch;
    if (this.lastOffset === null && (this.epoch === null || epoch === this.epoch)) this.lastOffset = offset;
  }

  /** After the bus was down: fetch whatever was published meanwhile. */
  resync(): void {
    if (this.deps.history !== null && this.lastOffset !== null && this.waiting === null) void this.repair([]);
  }

  /**
   * Fans `message` out if it is the next offset; drops it if already delivered; otherwise fills
   * the gap from history first. `settled`: offsets up to this one were already asked of history
   * (a repair read the tip there), so what it did not return is gone and a message at or below
   * it goes out past its gap; a message beyond it with a gap starts another repair.
   */
  private accept(message: OutboundMessage, settled = 0): void {
    const { stats, sendBufferLimit } = this.deps;
    if (this.deps.history === null) {
      fanOut(this.subscribers, message, sendBufferLimit, stats);
      return;
    }
    if (this.waiting !== null) {
      this.waiting.push(message);
      return;
    }
    const offset = message.offset;
    const last = this.lastOffset;
    if (offset === null || last === null || offset === last + 1 || offset <= settled) {
      if (offset !== null && last !== null && offset <= last) {
        stats.duplicatesDropped++;
        return;
      }
      if (offset !== null) this.lastOffset = offset;
      fanOut(this.subscribers, message, sendBufferLimit, stats);
      return;
    }
    if (offset === 1 && last > 1) {
      // Either a late duplicate of offset 1, or the topic's sequence started over.
      void this.checkRestart(message);
      return;
    }
    if (offset <= last) {
      stats.duplicatesDropped++;
      return;
    }
    void this.repair([message]);
  }

  /**
   * Fetches what follows `lastOffset` from history, fans it out, then the waiting messages. If
   * history is unreachable (its connection may come back later than the bus's), the newer
   * messages keep waiting and the fetch is retried, so a gap is never skipped while it can still
   * be filled; past REPAIR_RETRIES or MAX_HELD, what the bus gave is delivered as it is. The same
   * retry applies when history answered without the waiting messages (a reader behind the bus).
   *
   * A message that waited may still skip offsets after the repair: on a bus where each publisher
   * announces after its own append (NATS), a higher offset can arrive while the repair reads and
   * the lower one after it. Only offsets history was asked for are given up on; a gap beyond the
   * tip the repair read is repaired again (see `accept`), never delivered past.
   */
  private async repair(held: OutboundMessage[], attempt = 0): Promise<void> {
    const history = this.deps.history;
    if (history === null || this.lastOffset === null) return;
    if (attempt === 0) {
      this.waiting = held;
      this.deps.stats.gapRepairs++;
    }
    const retry = (): boolean => {
      if (attempt >= REPAIR_RETRIES || (this.waiting?.length ?? 0) >= MAX_HELD) return false;
      setTimeout(() => void this.repair([], attempt + 1), REPAIR_RETRY_MS).unref();
      return true;
    };
    let page: HistoryPage;
    const after = this.lastOffset;
    try {
      page = await this.deps.stats.delivery.timeRead(() => history.since(this.key, after, this.deps.historyLimit, this.epoch ?? undefined));
    } catch {
      if (!retry()) this.releaseWaiting(Number.POSITIVE_INFINITY);
      return;
    }
    if (this.epoch !== null && page.epoch !== this.epoch) {
      this.epochChanged(page.epoch, page.offset);
    } else {
      if (page.offset > 0) this.epoch = page.epoch;
      for (const entry of page.messages) {
        if (entry.offset <= this.lastOffset) continue;
        this.lastOffset = entry.offset;
        const message = messageFromHistory(this.key, entry.offset, entry.data);
        fanOut(this.subscribers, message, this.deps.sendBufferLimit, this.deps.stats);
      }
      // Nothing new, and history's tip is below the waiting messages: it has not got them yet.
      const lowest = lowestOffset(this.waiting ?? []);
      if (this.lastOffset === after && Number.isFinite(lowest) && lowest > after + 1 && page.offset < lowest) {
        if (!retry()) this.releaseWaiting(Number.POSITIVE_INFINITY);
        return;
      }
    }
    // A full page may stop short of the tip: only what it covered is settled.
    this.releaseWaiting(page.messages.length >= this.deps.historyLimit ? (this.lastOffset ?? 0) : page.offset);
  }

  /** Ends a repair: the messages that waited go out in offset order (see `accept` for `settled`). */
  private releaseWaiting(settled: number): void {
    const waiting = (this.waiting ?? []).sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
    this.waiting = null;
    for (const message of waiting) this.accept(message, settled);
  }

  /**
   * Offset 1 after higher ones: asks history whether the sequence started over (its epoch
   * changed or its tip went back). If so, the stream is followed from the new start; if not,
   * the message is a late duplicate and dropped.
   */
  private async checkRestart(message: OutboundMessage): Promise<void> {
    const history = this.deps.history;
    if (history === null) return;
    this.waiting = [message];
    let restarted = false;
    try {
      const tip = await history.tip(this.key);
      restarted = this.epoch !== null ? tip.epoch !== this.epoch : tip.offset < (this.lastOffset ?? 0);
      if (restarted) {
        this.epoch = tip.offset > 0 ? tip.epoch : null;
        this.lastOffset = 0;
      }
    } catch {
      // History unreachable: keep the current sequence; the message counts as a duplicate.
    }
    const waiting = this.waiting.sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
    this.waiting = null;
    if (!restarted) this.deps.stats.duplicatesDropped++;
    for (const held of restarted ? waiting : waiting.slice(1)) this.accept(held);
  }

  /**
   * The topic's history started over (store wiped or recreated): offsets restarted, so live
   * messages cannot be ordered against what subscribers saw. Their sessions are closed with
   * 1001; the SDK reconnects, resubscribes with `since` and gets `recovered:false`.
   */
  private epochChanged(epoch: string, offset: number): void {
    this.epoch = epoch;
    this.lastOffset = offset;
    this.waiting = [];
    for (const sub of this.subscribers) sub.session.close(CloseCode.GoingAway, 'topic history restarted; resubscribe');
  }
}

function lowestOffset(messages: readonly OutboundMessage[]): number {
  let lowest = Number.POSITIVE_INFINITY;
  for (const message of messages) if (message.offset !== null && message.offset < lowest) lowest = message.offset;
  return lowest;
}
