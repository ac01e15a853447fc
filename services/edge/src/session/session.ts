import type { Permissions } from '@switchboard/auth';
import type { TokenBucket } from '@switchboard/http';
import type { OutboundMessage } from '../transport/outbound-message.js';
import type { Transport } from '../transport/transport.js';

/**
 * One client's interest in one topic or pattern. Until its subscribe is answered (and caught up
 * from history) `pending` is an array and live messages wait in it (see recovery.ts).
 */
export class Subscription {
  /** Live messages held until the subscribe is answered (and, with history, caught up). */
  pending: OutboundMessage[] | null = [];
  /** Bytes held in `pending` (also counted in the session's `heldBytes`). */
  pendingBytes = 0;
  /** False once the client unsubscribed or disconnected. */
  active = true;

  constructor(
    readonly session: Session,
    readonly key: string,
  ) {}

  /** Holds a live message while catching up; returns the session's bytes now owed (held + buffered). */
  hold(message: OutboundMessage): number {
    const size = message.payload.length;
    this.pendingBytes += size;
    this.session.heldBytes += size;
    this.pending?.push(message);
    return this.session.owedBytes;
  }

  /** Ends holding: returns the held messages (oldest first) and uncounts their bytes. */
  takeHeld(): OutboundMessage[] {
    const held = this.pending ?? [];
    this.session.heldBytes -= this.pendingBytes;
    this.pendingBytes = 0;
    this.pending = null;
    return held;
  }
}

/** A connected client: its transport, subscriptions and limits. Small: one per connection. */
export class Session {
  // `closed` and `heldBytes` are read for every delivery (fan-out.ts): declared first, they sit
  // right after `transport` (the constructor's parameters come first), in one cache line.
  closed = false;
  /** Bytes of live messages held by this session's subscriptions that are still catching up. */
  heldBytes = 0;
  readonly subscriptions = new Map<string, Subscription>();
  /** Cleared by each heartbeat tick, set by any frame from the client. */
  alive = true;
  /** The client cannot send (SSE): no pong is expected; a dead one is noticed by TCP. */
  passive = false;
  /** The authenticated user (`sub` claim) when auth is on. */
  user: string | null = null;
  /** False until `welcome` was sent (with auth on: until a valid `connect`). */
  welcomed = false;
  /** What the token allows (auth on); null with auth off. See auth-gate.ts. */
  permissions: Permissions | null = null;
  /** The token's `exp` in ms since the epoch (auth on); Infinity with auth off. */
  expiresAt = Number.POSITIVE_INFINITY;
  /** Requests (subscribe, publish, refresh) being processed: their answer is still to come. */
  inflight = 0;
  /** No further frame is processed: the session closes once `inflight` is 0 (see closeAfterAnswers). */
  closing = false;
  /** Wildcard subscriptions among `subscriptions` (MAX_PATTERNS_PER_CONNECTION). */
  patterns = 0;
  /** Since when a replay waits on a socket over its low-water mark, and its buffered bytes then (see recovery.ts). */
  stall: { since: number; bytes: number } | null = null;
  /** Catch-ups (subscribes with history) running now, and those waiting for a slot. */
  catchUps = 0;
  private catchUpWaiters: Array<() => void> | null = null;
  private pendingClose: { code: number; reason: string } | null = null;

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

  /** Bytes this session owes its client: unsent in the transport, and live messages held for catch-ups. */
  get owedBytes(): number {
    return this.transport.bufferedBytes + this.heldBytes;
  }

  /** Waits for one of `max` catch-up slots (MAX_CONCURRENT_CATCHUPS); pair with `endCatchUp`. */
  async startCatchUp(max: number): Promise<void> {
    if (this.catchUps < max) {
      this.catchUps++;
      return;
    }
    this.catchUpWaiters ??= [];
    // The slot is handed over by endCatchUp (the count stays the same).
    await new Promise<void>((resolve) => this.catchUpWaiters?.push(resolve));
  }

  endCatchUp(): void {
    const next = this.catchUpWaiters?.shift();
    if (next !== undefined) next();
    else this.catchUps--;
  }

  /** Runs one request's processing, counted in `inflight` until it is answered. */
  track(work: Promise<void>): void {
    this.inflight++;
    void work.finally(() => {
      this.inflight--;
      if (this.inflight === 0 && this.pendingClose !== null) this.close(this.pendingClose.code, this.pendingClose.reason);
    });
  }

  /**
   * Stops processing frames and closes once every request already being processed has been
   * answered (within `graceMs`): a client cut for its rate still learns the fate of each frame
   * it sent before (a stored publish is acknowledged).
   */
  closeAfterAnswers(code: number, reason: string, graceMs = 2000): void {
    if (this.closing || this.closed) return;
    this.closing = true;
    if (this.inflight === 0) {
      this.close(code, reason);
      return;
    }
    this.pendingClose = { code, reason };
    setTimeout(() => {
      if (!this.closed) this.close(code, reason);
    }, graceMs).unref();
  }
}
