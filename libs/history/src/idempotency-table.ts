import { IdempotencyConflictError, type IdempotencyKey } from './idempotency.js';

/** A publish's result as the table keeps it. */
export interface Replayable {
  offset: number | null;
  epoch: string | null;
  replayed?: boolean;
}

interface Remembered {
  fingerprint: string;
  expiresAt: number;
  /** The first publish's outcome; a repeat that arrives while it runs waits for it. */
  result: Promise<Replayable>;
}

/** Default bound of a table: keys remembered at once. */
export const DEFAULT_IDEMPOTENCY_TABLE_KEYS = 100_000;

/**
 * Idempotency in process memory, for the memory backend (one process holds the whole log) and
 * for publishing with history off: a bounded map of (topic, key) → first result. Every key has
 * the same TTL, so insertion order is expiry order: expired keys are dropped from the front,
 * and when the table is full the oldest key goes early (counted in `evictedEarly`: a repeat of
 * it would be stored again).
 */
export class IdempotencyTable {
  private readonly entries = new Map<string, Remembered>();
  /** Keys dropped before their TTL because the table was full. */
  evictedEarly = 0;

  constructor(
    private readonly maxKeys: number = DEFAULT_IDEMPOTENCY_TABLE_KEYS,
    private readonly now: () => number = Date.now,
  ) {
    if (!(maxKeys >= 1)) throw new RangeError('maxKeys must be at least 1');
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Runs `publish` unless `key` was seen on `topic` within its TTL: then answers the first
   * result (`replayed`), or throws IdempotencyConflictError when the fingerprint differs. A
   * failed first publish forgets the key, so a retry publishes.
   */
  async run<T extends Replayable>(topic: string, key: IdempotencyKey, publish: () => Promise<T>): Promise<T> {
    const now = this.now();
    this.expire(now);
    const id = `${topic}\n${key.key}`;
    const seen = this.entries.get(id);
    if (seen !== undefined) {
      if (seen.fingerprint !== key.fingerprint) throw new IdempotencyConflictError(topic, key.key);
      const first = (await seen.result) as T;
      return { ...first, replayed: true };
    }
    const result = publish();
    this.entries.set(id, { fingerprint: key.fingerprint, expiresAt: now + key.ttlMs, result });
    if (this.entries.size > this.maxKeys) this.evictOldest();
    try {
      return await result;
    } catch (err) {
      if (this.entries.get(id)?.result === result) this.entries.delete(id);
      throw err;
    }
  }

  private expire(now: number): void {
    for (const [id, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      this.entries.delete(id);
    }
  }

  private evictOldest(): void {
    const oldest = this.entries.keys().next().value;
    if (oldest === undefined) return;
    this.entries.delete(oldest);
    this.evictedEarly++;
  }
}
