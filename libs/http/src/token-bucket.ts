/** Shared by every bucket (a `bind` per bucket would cost each connection a bound function). */
const monotonicNow = () => performance.now();

/**
 * A token bucket: `burst` tokens, refilled at `perSecond`. Two numbers per connection, no
 * timers: the refill is computed from the time of the last take.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = monotonicNow,
  ) {
    this.tokens = burst;
    this.last = this.now();
  }

  /** Takes `count` tokens (default 1); false, taking none, when the bucket holds fewer. */
  take(count = 1): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    if (this.tokens < count) return false;
    this.tokens -= count;
    return true;
  }
}
