import { Backoff } from './backoff.js';
import { encodeBinaryPublish } from './binary.js';
import { Connection } from './connection.js';
import { type Deferred, deferred } from './deferred.js';
import { closeError, reportAsync, SwitchboardError, unavailable } from './errors.js';
import { type ClientEvents, type ConnectedEvent, Emitter, type Listener } from './events.js';
import type { ClientFrame, RequestFrame, ServerFrame, WelcomeFrame } from './frames.js';
import { type ClientOptions, type ClientState, DEFAULT_CONNECT_TIMEOUT_MS, FATAL_CLOSE_CODES, type PublishResult } from './options.js';
import { TokenRefresher } from './refresh.js';
import { SubscriptionRegistry } from './registry.js';
import type { PendingHandlers } from './requests.js';
import { Requests } from './requests.js';
import type { MessageHandler, SubscribeOptions, Subscription } from './subscription.js';
import { DEFAULT_REFRESH_MARGIN_MS } from './token.js';
import { DEFAULT_PROBE_MS, TransportChooser, type TransportName } from './transports.js';
import type { AnyTopics, KnownTopic, TopicPayload } from './typed-topics.js';
import { resolveUrl, resolveWebSocket, type WebSocketConstructor } from './websocket.js';

export type { ClientOptions, ClientState, PublishResult } from './options.js';

/**
 * A Switchboard connection that reconnects, resubscribes and recovers missed messages by itself.
 * `Topics` maps topic names and patterns to payload types (see `createClient`).
 */
export class SwitchboardClient<Topics extends object = AnyTopics> {
  private readonly url: string;
  private readonly WebSocketImpl: WebSocketConstructor;
  private readonly transports: TransportChooser;
  private readonly events: Emitter<ClientEvents>;
  private readonly backoff: Backoff;
  private readonly requests = new Requests();
  private readonly registry: SubscriptionRegistry;
  private readonly refresher: TokenRefresher;
  private conn: Connection | null = null;
  private current: ClientState = 'idle';
  /** Bumped by each attempt and by close(); stale callbacks compare and bail out. */
  private generation = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectAfterMs: number | null = null;
  private welcome: ConnectedEvent | null = null;
  private waiter: Deferred<ConnectedEvent> | null = null;
  private token: string | undefined;

  constructor(private readonly options: ClientOptions) {
    this.url = resolveUrl(options.url);
    const report = options.onCallbackError ?? reportAsync;
    this.events = new Emitter<ClientEvents>(report);
    this.WebSocketImpl = resolveWebSocket(options.WebSocket);
    this.transports = new TransportChooser(options.transports ?? ['websocket'], this.WebSocketImpl);
    this.backoff = new Backoff({ baseMs: options.backoffBaseMs, maxMs: options.backoffMaxMs, random: options.random });
    this.refresher = new TokenRefresher(options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS, () => void this.refresh(this.generation));
    this.registry = new SubscriptionRegistry({
      request: (frame, handlers) => this.request(frame, handlers),
      recovered: (event) => this.events.emit('recovered', event),
      refused: (error) => this.events.emit('error', error),
      report,
    });
  }

  get state(): ClientState {
    return this.current;
  }

  /** The transport of the current (or next) connection attempt. */
  get transport(): TransportName {
    return this.transports.current;
  }

  /** The current `welcome` info while connected. */
  get session(): ConnectedEvent | null {
    return this.welcome;
  }

  /**
   * Starts connecting (and keeps reconnecting). Resolves on the next `welcome`; rejects when the
   * server refuses for good (4001 without getToken, 4003, 1008, 4400) or on `close()`.
   */
  connect(): Promise<ConnectedEvent> {
    if (this.current === 'connected' && this.welcome !== null) return Promise.resolve(this.welcome);
    this.waiter ??= deferred();
    const { promise } = this.waiter;
    if (this.current === 'idle' || this.current === 'closed') {
      this.backoff.reset();
      void this.attempt();
    }
    return promise;
  }

  /** Stops for good (until `connect()` is called again); local subscriptions are kept. */
  close(): void {
    this.generation++;
    this.clearRetry();
    this.refresher.cancel();
    this.reconnectAfterMs = null;
    const conn = this.conn;
    this.conn = null;
    this.welcome = null;
    conn?.drop(1000, 'client closed');
    this.requests.dropAll();
    this.registry.disconnected();
    this.current = 'closed';
    this.settleWaiter(unavailable('client closed'));
    if (conn !== null) this.events.emit('disconnected', { code: 1000, reason: 'client closed', willReconnect: false, retryInMs: null });
  }

  on<K extends keyof ClientEvents>(event: K, listener: Listener<ClientEvents[K]>): () => void {
    return this.events.on(event, listener);
  }

  /**
   * Subscribes to a topic or a wildcard pattern. Returns at once; while disconnected the
   * subscription is queued and sent on connect. With a topic map, the handler's payload type is
   * the topic's (and a topic outside the map does not compile).
   */
  subscribe<Topic extends string>(
    topic: KnownTopic<Topics, Topic>,
    onMessage: MessageHandler<TopicPayload<Topics, Topic>>,
    options?: SubscribeOptions,
  ): Subscription<TopicPayload<Topics, Topic>>;
  /** Clients without a topic map: the payload type given explicitly, `client.subscribe<Order>('orders', …)`. */
  subscribe<T>(
    topic: string extends keyof Topics ? string : never,
    onMessage: MessageHandler<T>,
    options?: SubscribeOptions,
  ): Subscription<T>;
  subscribe<T>(topic: string, onMessage: MessageHandler<T>, options: SubscribeOptions = {}): Subscription<T> {
    return this.registry.add(topic, onMessage, options);
  }

  /**
   * Publishes `data`: a JSON value, or bytes (a Uint8Array, sent as one binary frame, received
   * by subscribers as a Uint8Array). The server must allow client publishing. Not queued:
   * rejects at once with code `unavailable` while disconnected (and over SSE or long-poll, which
   * cannot publish), and with `unavailable` when the connection drops before the ack (the
   * message may or may not have been published then).
   */
  publish<Topic extends string>(topic: KnownTopic<Topics, Topic>, data: TopicPayload<Topics, Topic>): Promise<PublishResult> {
    return new Promise<PublishResult>((resolve, reject) => {
      if (data === undefined) return reject(new SwitchboardError('bad_request', 'publish data must be a JSON value'));
      if (this.current !== 'connected') return reject(unavailable('not connected'));
      const handlers: PendingHandlers = {
        ack: (ack) => resolve({ offset: ack.offset, epoch: ack.epoch }),
        error: reject,
        drop: () => reject(unavailable('connection lost before the publish was acknowledged')),
      };
      try {
        if (!this.request({ op: 'publish', topic, data }, handlers)) reject(unavailable('not connected'));
      } catch (err) {
        reject(
          new SwitchboardError('bad_request', 'publish data is not serialisable as JSON (or the topic cannot be framed)', { cause: err }),
        );
      }
    });
  }

  private async attempt(): Promise<void> {
    const gen = ++this.generation;
    this.retryTimer = null;
    this.current = 'connecting';
    this.events.emit('connecting', { attempt: this.backoff.attempt });
    if (gen !== this.generation) return;
    let token: string | undefined;
    try {
      token = this.options.getToken === undefined ? this.options.token : await this.options.getToken();
    } catch (err) {
      if (gen !== this.generation) return;
      this.current = 'reconnecting';
      this.retry(this.backoff.next());
      this.events.emit('error', new SwitchboardError('unauthorized', 'getToken failed', { cause: err }));
      return;
    }
    if (gen !== this.generation) return;
    this.token = token;
    try {
      this.conn = new Connection(
        this.transports.socket(),
        this.url,
        {
          open: () => this.opened(gen),
          frame: (frame) => this.received(gen, frame),
          close: (code, reason) => this.closed(gen, code, reason),
        },
        this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      );
    } catch (err) {
      // The constructor throws for a malformed URL: retrying cannot help.
      this.current = 'closed';
      this.settleWaiter(new SwitchboardError('bad_request', `cannot open ${this.url}`, { cause: err }));
    }
  }

  private opened(gen: number): void {
    if (gen === this.generation && this.token !== undefined) this.send({ op: 'connect', token: this.token });
  }

  private received(gen: number, frame: ServerFrame): void {
    if (gen !== this.generation) return;
    switch (frame.op) {
      case 'message':
        this.registry.deliver(frame);
        return;
      case 'ping':
        this.send({ op: 'pong' });
        return;
      case 'ack':
        this.requests.ack(frame);
        return;
      case 'error':
        if (!this.requests.fail(frame)) this.events.emit('error', new SwitchboardError(frame.code, frame.message || frame.code));
        return;
      case 'welcome':
        this.welcomed(frame);
        return;
      case 'reconnect':
        // The node is draining: keep receiving for `after` ms (jittered by the server so
        // clients move in a spread), then switch to a new connection at once.
        this.clearRetry();
        this.retryTimer = setTimeout(
          () => {
            this.retryTimer = null;
            if (gen !== this.generation) return;
            this.reconnectAfterMs = 0;
            this.conn?.drop(1000, 'reconnect requested');
            this.closed(gen, 1000, 'reconnect requested by server');
          },
          Math.max(0, frame.after),
        );
        return;
    }
  }

  private welcomed(frame: WelcomeFrame): void {
    const conn = this.conn;
    if (conn === null || this.current === 'connected') return;
    this.backoff.reset();
    this.current = 'connected';
    this.welcome = { session: frame.session, node: frame.node, heartbeat: frame.heartbeat };
    conn.watch(frame.heartbeat > 0 ? 2 * frame.heartbeat : 0);
    if (this.options.getToken !== undefined) this.refresher.schedule(this.token);
    this.registry.connected();
    const gen = this.generation;
    this.transports.connected(this.url, this.options.transportProbeMs ?? DEFAULT_PROBE_MS, () => {
      if (gen !== this.generation) return;
      this.reconnectAfterMs = 0;
      this.conn?.drop(1000, 'switching to WebSocket');
      this.closed(gen, 1000, 'switching to WebSocket');
    });
    const welcome = this.welcome;
    this.settleWaiter(welcome);
    this.events.emit('connected', welcome);
  }

  private closed(gen: number, code: number, reason: string): void {
    if (gen !== this.generation) return;
    this.clearRetry();
    if (this.welcome === null) this.transports.failed();
    this.conn = null;
    this.welcome = null;
    this.refresher.cancel();
    this.requests.dropAll();
    this.registry.disconnected();
    const fatal = FATAL_CLOSE_CODES.has(code) && !(code === 4001 && this.options.getToken !== undefined);
    if (fatal) {
      this.generation++;
      this.current = 'closed';
      this.reconnectAfterMs = null;
      this.settleWaiter(closeError(code, reason));
      this.events.emit('disconnected', { code, reason, willReconnect: false, retryInMs: null });
      return;
    }
    const delay = this.reconnectAfterMs ?? this.backoff.next();
    this.reconnectAfterMs = null;
    this.current = 'reconnecting';
    this.retry(delay);
    this.events.emit('disconnected', { code, reason, willReconnect: true, retryInMs: delay });
  }

  /** Asks getToken for a fresh token and sends it in a `refresh` request. */
  private async refresh(gen: number): Promise<void> {
    const getToken = this.options.getToken;
    if (getToken === undefined || gen !== this.generation) return;
    let token: string;
    try {
      token = await getToken();
    } catch (err) {
      if (gen === this.generation) this.events.emit('error', new SwitchboardError('unauthorized', 'getToken failed', { cause: err }));
      return;
    }
    if (gen !== this.generation || this.current !== 'connected') return;
    this.request(
      { op: 'refresh', token },
      {
        ack: () => {
          this.token = token;
          if (gen === this.generation) this.refresher.schedule(token);
        },
        error: (err) => this.events.emit('error', err),
        drop: () => undefined,
      },
    );
  }

  private request(frame: RequestFrame, handlers: PendingHandlers): boolean {
    const conn = this.conn;
    if (conn === null || this.current !== 'connected') return false;
    const id = this.requests.add(handlers);
    let wire: string | Uint8Array;
    try {
      const { op, ...rest } = frame;
      // Bytes go as a binary publish frame (no base64); everything else as a JSON text frame.
      wire =
        frame.op === 'publish' && frame.data instanceof Uint8Array
          ? encodeBinaryPublish(frame.topic, id, frame.data)
          : JSON.stringify({ op, id, ...rest });
    } catch (err) {
      this.requests.remove(id);
      throw err;
    }
    if (conn.send(wire)) return true;
    this.requests.remove(id);
    return false;
  }

  private send(frame: ClientFrame): boolean {
    return this.conn?.send(JSON.stringify(frame)) ?? false;
  }

  private retry(delayMs: number): void {
    this.clearRetry();
    this.retryTimer = setTimeout(() => void this.attempt(), delayMs);
  }

  private clearRetry(): void {
    this.transports.stopProbe();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private settleWaiter(outcome: ConnectedEvent | Error): void {
    const waiter = this.waiter;
    if (waiter === null) return;
    this.waiter = null;
    if (outcome instanceof Error) waiter.reject(outcome);
    else waiter.resolve(outcome);
  }
}

/**
 * Creates a client; call `connect()` to start. The optional type parameter maps topic names and
 * patterns (`*`, `>`) to payload types, so that handlers and publishes are checked:
 * `createClient<{ 'chat.*': ChatMessage; 'orders.>': Order }>({ url })`.
 */
export function createClient<Topics extends object = AnyTopics>(options: ClientOptions): SwitchboardClient<Topics> {
  return new SwitchboardClient<Topics>(options);
}
