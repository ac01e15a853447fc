import { TokenBucket } from '@switchboard/http';

/** At most this many callers are tracked; past it the table starts over (a burst is forgiven). */
const MAX_TRACKED = 10_000;

/** A token bucket per caller (API key or client address). */
export class RateLimits {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes `count` tokens for `caller`; false (and nothing taken) when there are not enough. */
  take(caller: string, count: number): boolean {
    let bucket = this.buckets.get(caller);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_TRACKED) this.buckets.clear();
      bucket = new TokenBucket(this.perSecond, this.burst);
      this.buckets.set(caller, bucket);
    }
    return bucket.take(count);
  }
}
