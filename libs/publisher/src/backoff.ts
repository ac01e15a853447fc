/** Retry delays: "full jitter" exponential backoff, delay = random(0, min(maxMs, baseMs × 2^attempt)). */
export interface RetryDelays {
  /** Ceiling of the first delay, in milliseconds. */
  baseMs: number;
  /** Highest ceiling, in milliseconds. */
  maxMs: number;
}

/** The delay before retry number `attempt` (0 for the first retry). */
export function fullJitter(attempt: number, delays: RetryDelays, random: () => number = Math.random): number {
  const ceiling = Math.min(delays.maxMs, delays.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(Math.min(Math.max(random(), 0), 1) * ceiling);
}

/**
 * `Retry-After` as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable.
 * Never negative.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
