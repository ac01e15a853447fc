import { TokenBucket } from '@switchboard/http';
import { CloseCode, type DecodeResult, type SubscribeFrame } from '@switchboard/protocol';
import type { EdgeConfig } from '../config.js';
import type { EdgeStats } from '../metrics/edge-stats.js';
import type { Transport } from '../transport/transport.js';
import type { AuthGate, AuthOutcomes } from './auth-gate.js';
import type { ClientRequests } from './client-requests.js';
import { Session } from './session.js';
import { newSessionId } from './session-id.js';

export interface SessionLifecycleDeps {
  config: EdgeConfig;
  stats: EdgeStats;
  auth: AuthGate;
  requests: ClientRequests;
}

/** How a new session starts. */
export interface SessionStart {
  /**
   * With auth on: the token that came with the request (`?token=`), or null to wait for the
   * client's `connect` frame. Ignored with auth off.
   */
  token: string | null;
  /**
   * Subscribes made on the client's behalf once it is welcomed (SSE and long-polling: the topics
   * of the URL). They go straight to the subscribe path: no frame is encoded or decoded, and no
   * rate budget is spent.
   */
  subscribes?: readonly SubscribeFrame[];
}

/**
 * Every session's life, in one place, whatever its transport: opened (counted against
 * MAX_CONNECTIONS), welcomed (at once with auth off; once the AuthGate passed its token with auth
 * on), its frames held behind `connect` processed, the subscribes of a passive transport made,
 * refused (4001/4003) or closed for drain and shutdown, and forgotten when its transport closed
 * (subscriptions dropped, counters updated). The AuthGate only verifies tokens and holds frames;
 * it reports what it decided here (`AuthOutcomes`).
 */
export class SessionLifecycle implements AuthOutcomes {
  /** The sessions open on this node. */
  readonly sessions = new Set<Session>();
  /** Subscribes waiting for their session's `welcome` (see SessionStart.subscribes). */
  private readonly subscribesOnWelcome = new Map<Session, readonly SubscribeFrame[]>();

  constructor(private readonly deps: SessionLifecycleDeps) {}

  /** MAX_CONNECTIONS is reached: new connections are refused (each transport in its own way). */
  get full(): boolean {
    const max = this.deps.config.MAX_CONNECTIONS;
    return max > 0 && this.sessions.size >= max;
  }

  /** A new session over `transport`, counted until `end`. Callers check `full` first. */
  open(transport: Transport): Session {
    const { config, stats } = this.deps;
    const session = new Session(newSessionId(), transport, new TokenBucket(config.MESSAGE_RATE_LIMIT, config.MESSAGE_RATE_BURST));
    this.sessions.add(session);
    stats.connections++;
    stats.connectionsTotal++;
    return session;
  }

  /** Welcomes `session` now (auth off) or once its token passed the AuthGate (auth on). */
  start(session: Session, start: SessionStart): void {
    if (start.subscribes !== undefined && start.subscribes.length > 0) this.subscribesOnWelcome.set(session, start.subscribes);
    if (this.deps.auth.enabled) this.deps.auth.open(session, start.token);
    else this.welcome(session);
  }

  /**
   * Sends `welcome` (the transport encodes it: a Pusher connection makes it its
   * `connection_established`) and makes the subscribes the session started with. Called directly
   * for a session whose client authenticates otherwise (Pusher: per channel signatures).
   */
  welcome(session: Session): void {
    if (session.closed || session.welcomed) return;
    const { config, requests } = this.deps;
    session.welcomed = true;
    session.transport.send({ op: 'welcome', session: session.id, node: config.NODE_ID, heartbeat: config.HEARTBEAT_MS });
    const subscribes = this.subscribesOnWelcome.get(session);
    if (subscribes === undefined) return;
    this.subscribesOnWelcome.delete(session);
    for (const frame of subscribes) session.track(requests.subscribe(session, frame));
  }

  /** AuthGate: the token passed. Welcome, then the frames that came in behind `connect`, in order. */
  passed(session: Session, held: readonly DecodeResult[]): void {
    this.welcome(session);
    for (const decoded of held) {
      if (session.closed) break;
      this.deps.requests.handle(session, decoded);
    }
  }

  /** AuthGate: the token was refused, or never came. */
  refused(session: Session, code: number, reason: string): void {
    if (session.closed) return;
    this.deps.stats.authCloses++;
    session.close(code, reason);
  }

  /** Drain: tells every client to reconnect elsewhere, each after a random delay in `[0, spreadMs)`. */
  reconnectAll(spreadMs: number): void {
    for (const session of this.sessions) session.transport.send({ op: 'reconnect', after: Math.floor(Math.random() * spreadMs) });
  }

  /** Shutdown: closes every session with 1001. */
  closeAll(): void {
    for (const session of this.sessions) session.close(CloseCode.GoingAway, 'server shutting down');
  }

  /** The session's transport closed: forget it and drop its subscriptions. Idempotent. */
  end(session: Session): void {
    session.closed = true;
    if (!this.sessions.delete(session)) return;
    this.subscribesOnWelcome.delete(session);
    this.deps.stats.connections--;
    this.deps.auth.forget(session);
    this.deps.requests.dropSubscriptions(session);
  }
}
