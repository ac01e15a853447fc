import { TokenRejectedError, type TokenVerifier, type VerifiedToken } from '@switchboard/auth';
import { CloseCode, type DecodeResult, type RefreshFrame } from '@switchboard/protocol';
import type { Logger } from '@switchboard/telemetry';
import type { Session } from './session.js';

/** Frames a client may pipeline behind its `connect` while the token is being checked. */
const MAX_QUEUED_FRAMES = 32;

export interface AuthGateOptions {
  /** Null = auth off: every session is welcomed at once, no permission checks. */
  verifier: TokenVerifier | null;
  /** AUTH_TIMEOUT_MS: how long an opened connection may take to authenticate. */
  timeoutMs: number;
  /** AUTH_EXPIRY_GRACE_MS: a session is cut this long after its token's `exp`. */
  graceMs: number;
  log: Logger;
}

/** What the gate decided about a session; the session lifecycle acts on it (see session-lifecycle.ts). */
export interface AuthOutcomes {
  /**
   * The token is valid and grants something (applied to the session: user, permissions,
   * expiry): welcome it, then process `held`, the frames that came in behind its `connect`.
   */
  passed(session: Session, held: readonly DecodeResult[]): void;
  /** Close the session: 4001 (no, invalid or expired token, or too much before it) or 4003 (a token that grants nothing). */
  refused(session: Session, code: number, reason: string): void;
}

/** A connection that has not been welcomed yet. */
interface Waiting {
  timer: NodeJS.Timeout;
  /** A `connect` (or the URL's token) is being verified. */
  verifying: boolean;
  /** Frames that came in behind the `connect`, handed over with `passed`. */
  queue: DecodeResult[];
}

/**
 * Authentication of client connections: it verifies tokens and holds frames, and reports what it
 * decided to its `AuthOutcomes` (the session lifecycle welcomes or closes). With a verifier
 * configured, a connection passes only with a valid token: the first frame must be
 * `{"op":"connect","token"}` (or the token comes with the request, `/ws?token=`); no token within
 * `timeoutMs`, an invalid one, or any other frame first is refused with 4001, and a valid token
 * that grants nothing with 4003. Afterwards the gate answers `refresh`, decides
 * `subscribe`/`publish` from the token's permissions, and tells the heartbeat when a session's
 * token has expired.
 */
export class AuthGate {
  private readonly waiting = new Map<Session, Waiting>();
  /** The latest refresh per session: an older one that completes later is ignored. */
  private readonly refreshes = new WeakMap<Session, number>();

  constructor(
    private readonly options: AuthGateOptions,
    private readonly outcomes: AuthOutcomes,
  ) {}

  get enabled(): boolean {
    return this.options.verifier !== null;
  }

  /**
   * A new connection, with auth on: waits (at most `timeoutMs`) for its token, the request's
   * (`urlToken`) or its `connect` frame's, and reports `passed` or `refused`.
   */
  open(session: Session, urlToken: string | null): void {
    if (this.options.verifier === null) return;
    const timer = setTimeout(() => this.refuse(session, CloseCode.Unauthorized, 'no connect frame in time'), this.options.timeoutMs);
    timer.unref();
    this.waiting.set(session, { timer, verifying: false, queue: [] });
    if (urlToken !== null) void this.connect(session, urlToken);
  }

  /** Every frame of a connection that has no `welcome` yet. */
  beforeWelcome(session: Session, decoded: DecodeResult): void {
    const waiting = this.waiting.get(session);
    if (waiting === undefined) return;
    if (waiting.verifying) {
      if (waiting.queue.length < MAX_QUEUED_FRAMES) waiting.queue.push(decoded);
      else this.refuse(session, CloseCode.Unauthorized, 'too many frames before welcome');
      return;
    }
    if (!decoded.ok || decoded.frame.op !== 'connect') {
      this.refuse(session, CloseCode.Unauthorized, 'the first frame must be {"op":"connect","token":"…"}');
      return;
    }
    void this.connect(session, decoded.frame.token);
  }

  /** The connection is gone. */
  forget(session: Session): void {
    const waiting = this.waiting.get(session);
    if (waiting !== undefined) clearTimeout(waiting.timer);
    this.waiting.delete(session);
  }

  /** May this session subscribe to `topic` (a topic or pattern)? Always, with auth off. */
  maySubscribe(session: Session, topic: string): boolean {
    if (!this.enabled) return true;
    return session.permissions?.canSubscribe(topic) === true;
  }

  /** May this session publish to `topic`? With auth off the caller decides (CLIENT_PUBLISH). */
  mayPublish(session: Session, topic: string): boolean {
    return session.permissions?.canPublish(topic) === true;
  }

  /** True once the session's token is past `exp` + grace (never with auth off). */
  expired(session: Session, now: number): boolean {
    return now > session.expiresAt + this.options.graceMs;
  }

  /**
   * `refresh`: a valid token for the same `sub` replaces the session's expiry and permissions
   * (ack). Another `sub`, or an invalid token: error `unauthorized`, the old token stays; but if
   * the old token has already expired, the connection is closed with 4001. A valid token that
   * grants nothing closes with 4003. Existing subscriptions are kept either way. Every refresh
   * is answered; when several overlap, the last one sent decides the token (an older one that
   * completes later is answered, not applied).
   */
  async refresh(session: Session, frame: RefreshFrame): Promise<void> {
    const ack = () => session.transport.send({ op: 'ack', id: frame.id, offset: null });
    const verifier = this.options.verifier;
    if (verifier === null) {
      ack();
      return;
    }
    const seq = (this.refreshes.get(session) ?? 0) + 1;
    this.refreshes.set(session, seq);
    let verified: VerifiedToken | null = null;
    let reason = '';
    try {
      verified = await verifier.verify(frame.token);
      if (verified.sub !== session.user) reason = 'the token is for another user';
    } catch (err) {
      reason = err instanceof TokenRejectedError ? err.message : 'invalid token';
    }
    if (session.closed) return;
    if (this.refreshes.get(session) !== seq) {
      // A newer refresh was sent meanwhile: it decides the session's token; this one is still answered.
      if (verified === null || reason !== '') session.transport.send({ op: 'error', id: frame.id, code: 'unauthorized', message: reason });
      else ack();
      return;
    }
    if (verified === null || reason !== '') {
      this.options.log.debug({ session: session.id, reason }, 'refresh refused');
      if (Date.now() > session.expiresAt) {
        this.refuse(session, CloseCode.Unauthorized, 'token expired');
        return;
      }
      session.transport.send({ op: 'error', id: frame.id, code: 'unauthorized', message: reason });
      return;
    }
    if (verified.permissions.empty) {
      this.refuse(session, CloseCode.Forbidden, 'the token grants no permissions');
      return;
    }
    this.grant(session, verified);
    ack();
  }

  private async connect(session: Session, token: string): Promise<void> {
    const waiting = this.waiting.get(session);
    const verifier = this.options.verifier;
    if (waiting === undefined || verifier === null) return;
    waiting.verifying = true;
    let verified: VerifiedToken;
    try {
      verified = await verifier.verify(token);
    } catch (err) {
      const reason = err instanceof TokenRejectedError ? err.message : 'invalid token';
      this.options.log.debug({ session: session.id, reason }, 'connect refused');
      this.refuse(session, CloseCode.Unauthorized, reason);
      return;
    }
    if (session.closed || this.waiting.get(session) !== waiting) return;
    if (verified.permissions.empty) {
      this.refuse(session, CloseCode.Forbidden, 'the token grants no permissions');
      return;
    }
    this.forget(session);
    this.grant(session, verified);
    this.outcomes.passed(session, waiting.queue);
  }

  private grant(session: Session, verified: VerifiedToken): void {
    session.user = verified.sub;
    session.permissions = verified.permissions;
    session.expiresAt = verified.expiresAt;
  }

  private refuse(session: Session, code: number, reason: string): void {
    this.forget(session);
    if (!session.closed) this.outcomes.refused(session, code, reason);
  }
}
