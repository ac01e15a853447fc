import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * The publish API's keys. Several may be valid at once (rotation). Keys are compared as
 * SHA-256 digests with a constant-time comparison, so timing tells nothing about a key.
 */
export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  get open(): boolean {
    return this.digests.length === 0;
  }

  /** The key a request presents (`Authorization: Bearer <key>`), or null. */
  static presented(req: IncomingMessage): string | null {
    const header = req.headers.authorization;
    if (header === undefined) return null;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ?? null;
  }

  /** True when the API is open or the key is one of the configured ones. */
  accepts(key: string | null): boolean {
    if (this.open) return true;
    if (key === null) return false;
    const presented = digest(key);
    let ok = false;
    for (const known of this.digests) ok = timingSafeEqual(known, presented) || ok;
    return ok;
  }
}
