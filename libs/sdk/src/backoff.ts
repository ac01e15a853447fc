/** Reconnect delays: "full jitter" exponential backoff, delay = random(0, min(max, base × 2^attempt)). */
export interface BackoffOptions {
  /** First ceiling, in milliseconds (default 500). */
  baseMs?: number;
  /** Highest ceiling, in milliseconds (default 20 000). */
  maxMs?: number;
  /** Uniform random source in [0, 1) (default Math.random); injectable for tests. */
  random?: () => number;
}

export const DEFAULT_BACKOFF_BASE_MS = 500;
export const DEFAULT_BACKOFF_MAX_MS = 20_000;

export class Backoff {
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;
  private failures = 0;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = Math.max(0, options.baseMs ?? DEFAULT_BACKOFF_BASE_MS);
    this.maxMs = Math.max(0, options.maxMs ?? DEFAULT_BACKOFF_MAX_MS);
    this.random = options.random ?? Math.random;
  }

  /** Consecutive failed attempts since the last reset. */
  get attempt(): number {
    return this.failures;
  }

  /** The ceiling the next delay is drawn under. */
  ceiling(): number {
    return Math.min(this.maxMs, this.baseMs * 2 ** this.failures);
  }

  /** Draws the next delay and counts one more failed attempt. */
  next(): number {
    const ceiling = this.ceiling();
    this.failures += 1;
    const r = Math.min(Math.max(this.random(), 0), 1);
    return Math.floor(r * ceiling);
  }

  /** Called after a successful connect. */
  reset(): void {
    this.failures = 0;
  }
}
