import { createHash } from 'node:crypto';
import type { MessageData } from '@switchboard/protocol';
import type { StreamTip } from './history-store.js';

/**
 * One publish's idempotency key, scoped to its topic: a repeat of `key` on the same topic within
 * `ttlMs` stores and publishes nothing and answers the original offset and epoch; a repeat with
 * another `fingerprint` (another body) is refused with IdempotencyConflictError.
 */
export interface IdempotencyKey {
  /** As the client sent it: 1–255 visible ASCII characters (see isValidIdempotencyKey). */
  key: string;
  /** SHA-256 of the message's data (base64url), compared on a repeat. */
  fingerprint: string;
  /** How long the key is remembered, in milliseconds (> 0). */
  ttlMs: number;
}

/**
 * What an append returns: `replayed` when the key was seen before. `offset` is null only for a
 * repeat whose original message already left the history (JetStream evicted it): the store
 * knows it was a repeat but no longer knows the original offset.
 */
export interface IdempotentTip extends Omit<StreamTip, 'offset'> {
  offset: number | null;
  /** True when the key was seen before: nothing was stored or published now. */
  replayed?: boolean;
}

/** Longest idempotency key, in characters. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

const KEY = /^[\x21-\x7e]{1,255}$/;

/** 1–255 visible ASCII characters (no spaces, no control characters). */
export function isValidIdempotencyKey(key: string): boolean {
  return KEY.test(key);
}

/**
 * The fingerprint of a message's data: of the JSON text, or of the bytes behind a `bytes:` prefix
 * (no JSON text starts so), so the same bytes as JSON and as bytes differ.
 */
export function fingerprintOf(data: MessageData): string {
  const hash = createHash('sha256');
  if (typeof data === 'string') return hash.update(data, 'utf8').digest('base64url');
  return hash.update('bytes:').update(data).digest('base64url');
}

export function idempotencyKey(key: string, data: MessageData, ttlMs: number): IdempotencyKey {
  return { key, fingerprint: fingerprintOf(data), ttlMs };
}

/** The key was used on this topic, within its TTL, with another body. Answered 409. */
export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';

  constructor(
    readonly topic: string,
    readonly key: string,
  ) {
    super(`Idempotency-Key "${key}" was used on topic "${topic}" with another body; use a new key for a new message`);
  }
}
