import type { AckFrame, StreamPosition } from './frames.js';
import type { SubscribeAck, SubscriptionSink } from './subscription.js';

/** Bound on the per-pattern memory of recent offsets (used only for overlapping subscriptions). */
const MAX_SEEN_TOPICS = 1024;

/**
 * Is `offset` new after `last`? Offsets of one epoch only grow, so an older or equal one is a
 * duplicate, except offset 1 after a higher one: the topic's sequence restarted (new epoch)
 * while we were subscribed (message frames carry no epoch).
 */
export function isFresh(last: number | null, offset: number | null): boolean {
  return offset === null || last === null || offset > last || (offset === 1 && last > 1);
}

/**
 * One server-side subscription (a topic or a pattern) shared by all local subscriptions to it,
 * with the position to resume from.
 */
export class TopicState {
  readonly subs = new Set<SubscriptionSink>();
  server: 'none' | 'pending' | 'active' = 'none';
  /** Last offset delivered (or the tip at subscribe time); exact topics only. */
  lastOffset: number | null = null;
  epoch: string | null = null;
  ack: SubscribeAck | null = null;
  /** Wildcards only: last offset delivered per concrete topic, bounded. */
  private seen: Map<string, number> | null = null;

  constructor(
    readonly topic: string,
    readonly wildcard: boolean,
  ) {}

  /** `since` for a resubscription; wildcard subscriptions are live-only. */
  resumePosition(): StreamPosition | undefined {
    if (this.wildcard || this.lastOffset === null) return undefined;
    return this.epoch === null ? { offset: this.lastOffset } : { offset: this.lastOffset, epoch: this.epoch };
  }

  applyAck(frame: AckFrame, since: StreamPosition | undefined): SubscribeAck {
    if (!this.wildcard) {
      if (since !== undefined) {
        // Another epoch: the server replays the current one from its start.
        if (frame.epoch !== null && since.epoch !== undefined && frame.epoch !== since.epoch) this.lastOffset = 0;
      } else if (frame.offset !== null) {
        this.lastOffset = this.lastOffset === null ? frame.offset : Math.max(this.lastOffset, frame.offset);
      }
      if (frame.epoch !== null) this.epoch = frame.epoch;
    }
    this.ack = { topic: this.topic, offset: frame.offset, epoch: frame.epoch, recovered: since === undefined ? null : frame.recovered };
    return this.ack;
  }

  /**
   * Exact topics: records and accepts a message unless it is a duplicate. Offset 1 after a
   * higher one starts a sequence whose epoch we do not know (the topic restarted while we were
   * subscribed): the epoch is then forgotten, and the next `since` carries the offset only (the
   * server reads it as one of the current epoch). An empty topic's ack carries the epoch its
   * first message gets (docs/protocol.md), so that epoch is kept.
   */
  accept(offset: number | null): boolean {
    if (!isFresh(this.lastOffset, offset)) return false;
    if (offset !== null) {
      if (offset === 1 && (this.lastOffset ?? 0) > 1) this.epoch = null;
      this.lastOffset = offset;
    }
    return true;
  }

  /**
   * Wildcards: remembers the newest offset per concrete topic; when the message's topic is also
   * covered by another subscription (`overlapping`), the server sends one copy per subscription,
   * and copies already delivered are dropped.
   */
  acceptWildcard(topic: string, offset: number | null, overlapping: boolean): boolean {
    if (offset === null) return true;
    this.seen ??= new Map();
    const last = this.seen.get(topic) ?? null;
    if (overlapping && !isFresh(last, offset)) return false;
    this.seen.delete(topic);
    this.seen.set(topic, offset);
    if (this.seen.size > MAX_SEEN_TOPICS) {
      const oldest = this.seen.keys().next();
      if (oldest.done !== true) this.seen.delete(oldest.value);
    }
    return true;
  }
}
