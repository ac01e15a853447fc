import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '@switchboard/protocol';
import type { EdgeConfig } from '../../config.js';
import { corsHeaders } from '../../http/cors.js';
import type { Session } from '../../session/session.js';
import type { SessionLifecycle } from '../../session/session-lifecycle.js';
import { subscribesOf } from '../sse/sse-request.js';
import type { UpgradeGuard } from '../websocket/upgrade-guard.js';
import { PollLimits } from './poll-limits.js';
import { type PollRequest, parsePollRequest } from './poll-request.js';
import { type PollAnswer, PollTransport } from './poll-transport.js';

export interface PollEndpointDeps {
  config: EdgeConfig;
  guard: UpgradeGuard;
  /** The edge's sessions: a poll is one (MAX_CONNECTIONS, auth, welcome, its subscribes, cleanup). */
  lifecycle: SessionLifecycle;
  /** With auth on a poll without `token` is refused at once (401). */
  authRequired: boolean;
  /** False while starting or draining: polls get 503. */
  ready: () => boolean;
}

/**
 * `GET /poll?topics=a,b&since=a:41,b:7[&wait=ms][&token=…]`: stateless long-polling. Each poll is
 * a short-lived Session over a PollTransport, started by the session lifecycle with the poll's
 * topics as its subscribes: the same auth, permissions, subscribe and history
 * catch-up paths as WebSocket and SSE, dropped again once answered. Nothing is kept between
 * polls: the client's `since` (from the last answer's `positions`) is the whole state, so any
 * edge can answer any poll and the history fills what happened between two polls.
 */
export class PollEndpoint {
  private readonly limits: PollLimits;
  /** The transports of the polls waiting now (answered at once on drain). */
  private readonly waiting = new Set<PollTransport>();

  constructor(private readonly deps: PollEndpointDeps) {
    const { config } = deps;
    this.limits = new PollLimits(config.POLL_MAX_WAITING, config.POLL_MAX_WAITING_PER_IP);
  }

  /** Polls waiting now. */
  get waitingCount(): number {
    return this.limits.waiting;
  }

  handle(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const { config, guard, ready, authRequired } = this.deps;
    // Which edge answered (for debugging and tests); no `sb_node` cookie: polls need no stickiness.
    const cors = { ...corsHeaders(req, guard.origins), 'x-switchboard-node': config.NODE_ID };
    const refuse = (status: number, code: string, message: string) => send(res, status, cors, errorBody(code, message));
    const refusal = guard.check(req);
    if (refusal !== null) {
      refuse(refusal.status, refusal.status === 429 ? ErrorCode.RateLimited : ErrorCode.Forbidden, refusal.text);
      return;
    }
    if (!ready()) {
      refuse(503, ErrorCode.Unavailable, 'not ready or draining; retry later');
      return;
    }
    const request = parsePollRequest(url, config.MAX_SUBSCRIPTIONS, config.POLL_MAX_WAIT_MS);
    if (typeof request === 'string') {
      refuse(400, request.startsWith('topics') ? ErrorCode.BadTopic : ErrorCode.BadRequest, request);
      return;
    }
    if (authRequired && request.token === null) {
      refuse(401, ErrorCode.Unauthorized, 'a token is required (/poll?token=…)');
      return;
    }
    const slot = this.limits.take(req.socket.remoteAddress);
    if (slot === 429) refuse(429, ErrorCode.RateLimited, `at most ${config.POLL_MAX_WAITING_PER_IP} waiting polls per client address`);
    else if (slot === 503) refuse(503, ErrorCode.Unavailable, 'too many waiting polls on this edge; retry later');
    else this.start(res, request, cors, slot.release);
  }

  /** Drain: every waiting poll answers now with what it has. */
  drain(): void {
    for (const transport of [...this.waiting]) transport.close(1001, 'draining');
  }

  private start(res: ServerResponse, request: PollRequest, cors: Record<string, string>, release: () => void): void {
    const { config, lifecycle } = this.deps;
    let session: Session | null = null;
    const answer = (result: PollAnswer) => {
      release();
      this.waiting.delete(transport);
      if (session !== null) lifecycle.end(session);
      send(res, result.status, cors, result.body);
    };
    const transport = new PollTransport(request.topics, request.since, request.waitMs, config.MAX_SEND_BUFFER_BYTES, answer);
    this.waiting.add(transport);
    if (lifecycle.full) {
      transport.close(1001, 'full');
      return;
    }
    session = lifecycle.open(transport);
    session.passive = true;
    // The client went away before its answer: drop the subscriptions now.
    res.once('close', () => {
      if (!res.writableEnded) transport.close(1000, 'client gone');
    });
    lifecycle.start(session, { token: request.token, subscribes: subscribesOf(request.topics, request.since) });
  }
}

const errorBody = (code: string, message: string) => Buffer.from(JSON.stringify({ error: { code, message } }));

function send(res: ServerResponse, status: number, cors: Record<string, string>, body: Buffer): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-store',
    ...cors,
  });
  res.end(body);
}
