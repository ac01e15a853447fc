import { randomFillSync } from 'node:crypto';

const ID_BYTES = 12;
const IDS_PER_FILL = 256;

/** Random bytes for the next IDS_PER_FILL ids, refilled when used up. */
const pool = Buffer.allocUnsafe(ID_BYTES * IDS_PER_FILL);
let next = IDS_PER_FILL;

/**
 * A new session id: 12 random bytes as base64url (16 characters). The bytes come from a pool
 * that one `randomFillSync` call refills for 256 ids: a `randomBytes(12)` per connection costs
 * about as much as the rest of accepting it (see docs/benchmarks.md, connect).
 */
export function newSessionId(): string {
  if (next === IDS_PER_FILL) {
    randomFillSync(pool);
    next = 0;
  }
  const start = ID_BYTES * next++;
  return pool.toString('base64url', start, start + ID_BYTES);
}
