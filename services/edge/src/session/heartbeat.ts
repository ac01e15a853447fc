import { CloseCode, type PingFrame } from '@switchboard/protocol';
import type { EdgeStats } from '../metrics/edge-stats.js';
import type { Session } from './session.js';

const PING: PingFrame = { op: 'ping' };

/**
 * One timer for all connections: every `intervalMs` a session that sent nothing since the last
 * tick is closed with 4008, and every other one gets a `ping`. A dead client is cut after one
 * to two intervals; clients treat 2 × interval of silence from the server as a dead link. The
 * same tick closes sessions whose token has expired with 4001 (no timer per session).
 */
export class Heartbeat {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly sessions: Set<Session>,
    intervalMs: number,
    private readonly stats: EdgeStats,
    /** True when a session's token has expired (plus grace): it is closed with 4001. */
    private readonly expired: (session: Session, now: number) => boolean = () => false,
  ) {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  private tick(): void {
    const now = Date.now();
    for (const session of this.sessions) {
      // Not yet welcomed: the auth deadline (AUTH_TIMEOUT_MS) bounds it, not the heartbeat.
      if (session.closed || !session.welcomed) continue;
      if (this.expired(session, now)) {
        this.stats.authCloses++;
        session.close(CloseCode.Unauthorized, 'token expired');
        continue;
      }
      if (!session.alive) {
        this.stats.heartbeatCloses++;
        session.close(CloseCode.Timeout, 'heartbeat timeout');
        continue;
      }
      // A passive session (SSE) cannot answer; its ping only keeps proxies from timing out.
      if (!session.passive) session.alive = false;
      session.transport.send(PING);
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
