import { BASE64_ENCODING, readBinaryMessageHead } from '@switchboard/protocol';
import WebSocket from 'ws';

/** One delivered message as the tail hands it on: a bytes message as base64 with `encoding` (as SSE and history give it). */
export interface TailMessage {
  topic: string;
  offset: number | null;
  encoding?: typeof BASE64_ENCODING;
  data: unknown;
}

export interface TailOptions {
  /** `ws(s)://…/ws`. */
  url: string;
  /** Topics or patterns; exact topics resume with `since` after a reconnect. */
  topics: string[];
  /** Start exact topics after this offset (replaying what history still holds). */
  since?: number;
  token?: string;
  onMessage(message: TailMessage): Promise<void> | void;
  /** A notice for stderr (reconnecting, a gap). */
  onNotice(text: string): void;
  /** The server refused for good (bad token, forbidden topic, protocol error): the tail has stopped. */
  onFatal(text: string): void;
}

/** Close codes after which reconnecting cannot help. */
const FATAL = new Set([1008, 4001, 4003, 4400]);
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 5000;

interface Position {
  offset: number;
  epoch?: string;
}

/**
 * Follows topics over the WebSocket protocol (docs/protocol.md) and survives reconnects: each
 * exact topic remembers the last offset handed on and resubscribes with `since`, so nothing
 * inside the history window is missed or repeated. Reconnects back off with full jitter.
 */
export class TopicTail {
  private ws: WebSocket | null = null;
  private readonly positions = new Map<string, Position>();
  private failures = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private silentMs = 0;
  /** Messages are handed on one at a time, in arrival order. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly options: TailOptions) {
    if (options.since !== undefined) {
      for (const topic of options.topics) if (!isPattern(topic)) this.positions.set(topic, { offset: options.since });
    }
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.ws?.terminate();
  }

  private connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.options.url);
    this.ws = ws;
    ws.on('open', () => {
      if (this.options.token !== undefined) ws.send(JSON.stringify({ op: 'connect', token: this.options.token }));
    });
    ws.on('message', (raw, binary) => {
      this.silentMs = 0;
      if (!binary) this.frame(ws, JSON.parse(raw.toString()) as Record<string, unknown>);
      else this.binaryMessage(raw as Buffer);
    });
    ws.on('error', () => undefined); // followed by close
    ws.on('close', (code, reason) => this.closed(ws, code, reason.toString()));
  }

  private frame(ws: WebSocket, f: Record<string, unknown>): void {
    switch (f.op) {
      case 'welcome':
        this.failures = 0;
        this.watch(ws, Number(f.heartbeat) || 0);
        this.options.topics.forEach((topic, i) => {
          const since = this.positions.get(topic);
          ws.send(JSON.stringify({ op: 'subscribe', id: i + 1, topic, ...(since === undefined ? {} : { since }) }));
        });
        break;
      case 'ack': {
        const topic = this.options.topics[Number(f.id) - 1];
        if (topic === undefined || isPattern(topic)) break;
        const known = this.positions.get(topic);
        const epoch = typeof f.epoch === 'string' ? f.epoch : undefined;
        if (known !== undefined && known.epoch !== undefined && epoch !== undefined && known.epoch !== epoch) {
          this.options.onNotice(`${topic}: the topic's history restarted (new epoch); replaying it from its start`);
          this.positions.set(topic, { offset: 0, epoch });
        } else if (known === undefined && typeof f.offset === 'number') {
          this.positions.set(topic, { offset: f.offset, ...(epoch === undefined ? {} : { epoch }) });
        } else if (known !== undefined && epoch !== undefined) {
          known.epoch = epoch;
        }
        if (f.recovered === false) this.options.onNotice(`${topic}: some messages were lost (older than the history window)`);
        break;
      }
      case 'message':
        this.message(f);
        break;
      case 'ping':
        ws.send('{"op":"pong"}');
        break;
      case 'reconnect':
        this.options.onNotice(`the server is draining; reconnecting in ${Number(f.after) || 0} ms`);
        ws.terminate();
        break;
      case 'error': {
        const text = `${String(f.code)}: ${String(f.message)}`;
        if (typeof f.id === 'number') {
          this.stop();
          this.options.onFatal(`${this.options.topics[f.id - 1] ?? ''}: ${text}`);
        } else this.options.onNotice(text);
        break;
      }
    }
  }

  /** A bytes message (WebSocket binary frame): handed on as base64 with `"encoding":"base64"`. */
  private binaryMessage(frame: Buffer): void {
    const head = readBinaryMessageHead(frame);
    if (head === null) return;
    const data = frame.subarray(head.payloadStart).toString('base64');
    this.message({ topic: head.topic, offset: head.offset, encoding: BASE64_ENCODING, data });
  }

  private message(f: Record<string, unknown>): void {
    const topic = String(f.topic);
    const offset = typeof f.offset === 'number' ? f.offset : null;
    const position = this.positions.get(topic);
    if (position !== undefined && offset !== null) {
      // Already handed on (a replay overlapping live delivery), unless the sequence restarted.
      if (offset <= position.offset && !(offset === 1 && position.offset > 1)) return;
      position.offset = offset;
    }
    const message: TailMessage =
      f.encoding === BASE64_ENCODING ? { topic, offset, encoding: BASE64_ENCODING, data: f.data } : { topic, offset, data: f.data };
    this.chain = this.chain.then(() => this.options.onMessage(message));
  }

  /** Treats 2 heartbeats of silence as a dead connection. */
  private watch(ws: WebSocket, heartbeat: number): void {
    if (this.watchdog !== null) clearInterval(this.watchdog);
    if (heartbeat <= 0) return;
    this.silentMs = 0;
    this.watchdog = setInterval(() => {
      this.silentMs += heartbeat;
      if (this.silentMs > 2 * heartbeat) ws.terminate();
    }, heartbeat);
    this.watchdog.unref();
  }

  private closed(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws || this.stopped) return;
    if (this.watchdog !== null) clearInterval(this.watchdog);
    if (FATAL.has(code)) {
      this.stop();
      this.options.onFatal(`connection refused (${code}${reason ? `: ${reason}` : ''})`);
      return;
    }
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(this.failures, 10));
    this.failures++;
    const delay = Math.floor(Math.random() * ceiling);
    this.options.onNotice(`disconnected (${code}); reconnecting in ${delay} ms`);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}

function isPattern(topic: string): boolean {
  return topic.split('.').some((token) => token === '*' || token === '>');
}
