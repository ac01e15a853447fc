import { TokenBucket } from './token-bucket.js';

/**
 * A token bucket per caller (an API key, a client address). The table is bounded: past
 * `maxTracked` callers the oldest entry is dropped, which forgives that caller's spent burst
 * (memory stays bounded however many distinct callers arrive).
 */
export class RateLimits {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxTracked = 10_000,
    private readonly now: () => number = performance.now.bind(performance),
  ) {}

  /** Callers tracked now. */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes `count` tokens (default 1) for `caller`; false (and nothing taken) when there are not enough. */
  take(caller: string, count = 1): boolean {
    let bucket = this.buckets.get(caller);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxTracked) {
        const oldest = this.buckets.keys().next();
        if (oldest.done !== true) this.buckets.delete(oldest.value);
      }
      bucket = new TokenBucket(this.perSecond, this.burst, this.now);
      this.buckets.set(caller, bucket);
    }
    return bucket.take(count);
  }
}
