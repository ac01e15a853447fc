import type { Permissions } from '@switchboard/auth';
import type { TokenBucket } from '@switchboard/http';
import type { OutboundMessage } from './outbound-message.js';
import type { Transport } from './transport.js';

/**
 * One client's interest in one topic or pattern. Until its subscribe is answered (and caught up
 * from history) `pending` is an array and live messages wait in it (see recovery.ts).
 */
export class Subscription {
  /** Live messages held until the subscribe is answered (and, with history, caught up). */
  pending: OutboundMessage[] | null = [];
  /** Bytes held in `pending`, bounded by the send-buffer limit. */
  pendingBytes = 0;
  /** False once the client unsubscribed or disconnected. */
  active = true;

  constructor(
    readonly session: Session,
    readonly key: string,
  ) {}
}

/** A connected client: its transport, subscriptions and limits. Small: one per connection. */
export class Session {
  readonly subscriptions = new Map<string, Subscription>();
  /** Cleared by each heartbeat tick, set by any frame from the client. */
  alive = true;
  /** The client cannot send (SSE): no pong is expected; a dead one is noticed by TCP. */
  passive = false;
  closed = false;
  /** The authenticated user (`sub` claim) when auth is on. */
  user: string | null = null;
  /** False until `welcome` was sent (with auth on: until a valid `connect`). */
  welcomed = false;
  /** What the token allows (auth on); null with auth off. See auth-gate.ts. */
  permissions: Permissions | null = null;
  /** The token's `exp` in ms since the epoch (auth on); Infinity with auth off. */
  expiresAt = Number.POSITIVE_INFINITY;

  constructor(
    readonly id: string,
    readonly transport: Transport,
    readonly bucket: TokenBucket,
  ) {}

  /** Closes the connection; the session stops receiving at once (cleanup follows on close). */
  close(code: number, reason: string): void {
    this.closed = true;
    this.transport.close(code, reason);
  }
}
