import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { TokenVerifier } from '@switchboard/auth';
import type { Bus } from '@switchboard/bus';
import { type HistoryStore, Publisher, PublishTelemetry } from '@switchboard/history';
import { type HealthSource, healthRoutes, type Router, sendError } from '@switchboard/http';
import { ErrorCode } from '@switchboard/protocol';
import { gaugeFrom, type Logger, type Registry } from '@switchboard/telemetry';
import { type WebSocket, WebSocketServer } from 'ws';
import type { EdgeConfig } from './config.js';
import { SubscriptionRegistry } from './delivery/subscription-registry.js';
import { corsHeaders } from './http/cors.js';
import { registerEdgeMetrics } from './metrics/edge-metrics.js';
import { EdgeStats } from './metrics/edge-stats.js';
import { PusherEndpoint } from './pusher/pusher-endpoint.js';
import type { PusherHost } from './pusher/pusher-host.js';
import { AuthGate } from './session/auth-gate.js';
import { ClientRequests } from './session/client-requests.js';
import { Heartbeat } from './session/heartbeat.js';
import type { Session } from './session/session.js';
import { SessionLifecycle } from './session/session-lifecycle.js';
import { PollEndpoint } from './transport/poll/poll-endpoint.js';
import { parseSseRequest, type SseRequest, subscribesOf } from './transport/sse/sse-request.js';
import { SseTransport } from './transport/sse/sse-transport.js';
import type { Transport } from './transport/transport.js';
import { UpgradeGuard } from './transport/websocket/upgrade-guard.js';
import { corkHandshake, WsTransport } from './transport/websocket/ws-transport.js';

export interface EdgeNodeOptions {
  config: EdgeConfig;
  bus: Bus;
  history: HistoryStore | null;
  log: Logger;
  metrics: Registry;
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`,
  );
}

/**
 * An edge node: accepts WebSocket clients on `/ws`, keeps their sessions and subscriptions,
 * and fans bus messages out to them. It attaches to an HTTP server it does not own, so the
 * all-in-one process can put the api and presence on the same port.
 */
export class EdgeNode implements HealthSource, PusherHost {
  readonly stats = new EdgeStats();
  readonly registry: SubscriptionRegistry;
  readonly publisher: Publisher;
  private readonly requests: ClientRequests;
  private readonly wss: WebSocketServer;
  private readonly heartbeat: Heartbeat;
  /** Client authentication (token checks, frames held before `connect`, permissions, expiry); a pass-through with auth off. */
  private readonly auth: AuthGate;
  /** Every session's open, welcome, refusal and end, whatever its transport. */
  private readonly lifecycle: SessionLifecycle;
  /** Origin and connection-rate checks of upgrade requests. */
  private readonly guard: UpgradeGuard;
  /** `GET /poll` (stateless long-polling; see poll-endpoint.ts). */
  private readonly poll: PollEndpoint;
  /** The Pusher Channels endpoint `/app/{key}` (null unless PUSHER_APPS is set). */
  readonly pusher: PusherEndpoint | null;
  private draining = false;

  constructor(private readonly options: EdgeNodeOptions) {
    const { config, bus, history, log, metrics } = options;
    this.registry = new SubscriptionRegistry(bus, this.stats, {
      history,
      historyLimit: Math.max(config.HISTORY_SIZE, 1),
      sendBufferLimit: config.MAX_SEND_BUFFER_BYTES,
    });
    let wasDown = false;
    bus.onStateChange((state) => {
      log.info({ bus: bus.kind, state }, 'bus state changed');
      if (state === 'down') wasDown = true;
      if (state === 'up' && wasDown) {
        wasDown = false;
        this.registry.resyncAll();
      }
    });
    this.publisher = new Publisher(bus, history, new PublishTelemetry(metrics));
    const verifier = TokenVerifier.fromConfig(config);
    if (verifier !== null) log.info({ keys: verifier.kind }, 'client authentication on');
    // The gate reports its verdicts to the lifecycle (created below, once the requests exist).
    this.auth = new AuthGate(
      { verifier, timeoutMs: config.AUTH_TIMEOUT_MS, graceMs: config.AUTH_EXPIRY_GRACE_MS, log },
      {
        passed: (session, held) => this.lifecycle.passed(session, held),
        refused: (session, code, reason) => this.lifecycle.refused(session, code, reason),
      },
    );
    this.guard = new UpgradeGuard(config, this.stats);
    this.requests = new ClientRequests({
      config,
      registry: this.registry,
      history,
      publisher: this.publisher,
      stats: this.stats,
      log,
      auth: this.auth,
    });
    this.lifecycle = new SessionLifecycle({ config, stats: this.stats, auth: this.auth, requests: this.requests });
    this.poll = new PollEndpoint({
      config,
      guard: this.guard,
      lifecycle: this.lifecycle,
      authRequired: this.auth.enabled,
      ready: () => this.ready(),
    });
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: config.MAX_MESSAGE_BYTES,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.wss.on('headers', (headers, req) => {
      headers.push(`Set-Cookie: sb_node=${config.NODE_ID}; Path=/; HttpOnly; SameSite=Lax`);
      corkHandshake(req.socket);
    });
    this.heartbeat = new Heartbeat(this.lifecycle.sessions, config.HEARTBEAT_MS, this.stats, (session, now) =>
      this.auth.expired(session, now),
    );
    registerEdgeMetrics(metrics, this.stats, bus, () => this.registry.topicCount);
    gaugeFrom(metrics, 'switchboard_ready', 'Whether /readyz answers 200 (1) or 503 (0)', () => (this.ready() ? 1 : 0));
    this.pusher = config.PUSHER_APPS.enabled ? new PusherEndpoint(this, config.PUSHER_APPS, history) : null;
  }

  get config(): EdgeConfig {
    return this.options.config;
  }

  get bus(): Bus {
    return this.options.bus;
  }

  get log(): Logger {
    return this.options.log;
  }

  /** The sessions open on this node (every transport's). */
  get sessions(): ReadonlySet<Session> {
    return this.lifecycle.sessions;
  }

  get nodeId(): string {
    return this.options.config.NODE_ID;
  }

  ready(): boolean {
    return !this.draining && this.options.bus.state === 'up';
  }

  metrics(): Promise<string> {
    return this.options.metrics.metrics();
  }

  /** `/healthz`, `/readyz`, `/metrics`. */
  routes(): Router {
    return healthRoutes(this)
      .on('GET', /^\/sse$/, (req, res, _params, url) => this.openSse(req, res, url))
      .on('GET', /^\/poll$/, (req, res, _params, url) => this.poll.handle(req, res, url));
  }

  /** Takes over WebSocket upgrades on `/ws` of `server`. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? undefined : url.slice(q + 1);
    // `/app/{key}`: the Pusher endpoint; same checks, but it answers capacity itself (pusher:error 4100).
    const pusher = this.pusher?.matches(path) === true ? this.pusher : null;
    const refusal = path === '/ws' || pusher !== null ? this.guard.check(req) : null;
    if (path !== '/ws' && pusher === null) refuseUpgrade(socket, 404, 'Not Found');
    else if (refusal !== null) refuseUpgrade(socket, refusal.status, refusal.text);
    else if (!this.ready()) refuseUpgrade(socket, 503, 'Service Unavailable');
    else if (pusher !== null) this.wss.handleUpgrade(req, socket, head, (ws) => pusher.accept(ws, req));
    else if (this.lifecycle.full) refuseUpgrade(socket, 503, 'Service Unavailable');
    else {
      // `/ws?token=…`: an alternative to the `connect` frame (see docs/security.md for why the frame is preferred).
      const urlToken = query === undefined ? null : new URLSearchParams(query).get('token') || null;
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, urlToken));
    }
  }

  /** PusherHost: a new session on this node, counted until `closeSession`. */
  openSession(transport: Transport): Session {
    return this.lifecycle.open(transport);
  }

  /** PusherHost: welcomes a session whose client authenticates otherwise (Pusher channel signatures). */
  welcome(session: Session): void {
    this.lifecycle.welcome(session);
  }

  /** PusherHost: the session's transport closed. */
  closeSession(session: Session): void {
    this.lifecycle.end(session);
  }

  private accept(ws: WebSocket, urlToken: string | null): void {
    const { log } = this.options;
    const session = this.lifecycle.open(new WsTransport(ws));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.requests.onBinary(session, data);
      else this.requests.onText(session, data.toString('utf8'));
    });
    ws.on('error', (err) => log.debug({ err, session: session.id }, 'client socket error'));
    ws.once('close', () => this.lifecycle.end(session));
    this.lifecycle.start(session, { token: urlToken });
  }

  /**
   * `GET /sse?topics=a,b&token=…`: the fallback for networks that block WebSocket. The same
   * checks as an upgrade, then a Session over an SseTransport, started with the topics as its
   * subscribes (with `Last-Event-ID` or `since` resuming): made directly once it is welcomed.
   */
  private openSse(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const { config } = this.options;
    const refusal = this.guard.check(req);
    const full = this.lifecycle.full;
    const request = parseSseRequest(req, url, config.MAX_SUBSCRIPTIONS);
    // A page of an allowed origin may read the stream (EventSource is subject to CORS, unlike WebSocket).
    const cors = refusal === null ? corsHeaders(req, this.guard.origins, true) : {};
    if (refusal !== null)
      sendError(res, refusal.status, refusal.status === 429 ? ErrorCode.RateLimited : ErrorCode.Forbidden, refusal.text);
    else if (!this.ready() || full) sendError(res, 503, ErrorCode.Unavailable, 'not ready or full; retry later', cors);
    else if (typeof request === 'string') sendError(res, 400, ErrorCode.BadTopic, request, cors);
    // A stream cannot send a `connect` frame: with auth on, no token in the URL is refused at once.
    else if (this.auth.enabled && request.token === null)
      sendError(res, 401, ErrorCode.Unauthorized, 'auth is on: give the token in the URL (/sse?topics=…&token=…)', cors);
    else this.streamSse(res, request, cors);
  }

  private streamSse(res: ServerResponse, request: SseRequest, cors: Record<string, string>): void {
    const { config } = this.options;
    res.writeHead(200, {
      ...cors,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      'set-cookie': `sb_node=${config.NODE_ID}; Path=/; HttpOnly; SameSite=Lax`,
      ...cors,
    });
    res.write(': switchboard\n\n');
    const session = this.lifecycle.open(new SseTransport(res));
    session.passive = true;
    res.once('close', () => this.lifecycle.end(session));
    this.lifecycle.start(session, { token: request.token, subscribes: subscribesOf(request.topics, request.since) });
  }

  /**
   * Drain (SIGTERM): `/readyz` turns 503 at once; after DRAIN_NOTICE_MS (time for the load
   * balancer's health check to notice) every client gets a `reconnect` frame whose `after` is
   * jittered over half of what is left of DRAIN_TIMEOUT_MS, so they come back to other nodes
   * spread out; whoever is still here at DRAIN_TIMEOUT_MS is closed with 1001.
   */
  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.poll.drain();
    const { DRAIN_TIMEOUT_MS, DRAIN_NOTICE_MS } = this.options.config;
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    const notice = Math.min(DRAIN_NOTICE_MS, DRAIN_TIMEOUT_MS);
    if (notice > 0) await new Promise((r) => setTimeout(r, notice));
    this.lifecycle.reconnectAll(Math.max(0, DRAIN_TIMEOUT_MS - notice) / 2);
    while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await this.close();
  }

  /** Closes every connection with 1001 and stops the timers (the bus is the caller's). */
  async close(): Promise<void> {
    this.draining = true;
    this.heartbeat.stop();
    this.lifecycle.closeAll();
    const deadline = Date.now() + 3000;
    while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }
}
