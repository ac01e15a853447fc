import { binaryPublishId } from './binary.js';
import type { WebSocketCloseEventLike, WebSocketLike, WebSocketMessageEventLike } from './websocket.js';

const PUBLISH_REFUSED = 'publishing needs the WebSocket transport';

/** `ws(s)://host/ws` → `http(s)://host`. */
export const httpBase = (url: string): string => url.replace(/^ws/i, 'http').replace(/\/ws\/?(\?.*)?$/, '');

/**
 * The WebSocket interface the SDK uses, over an HTTP transport (`/sse`, `/poll`), so the
 * client's subscription, recovery and event code is the same whatever the transport. It plays
 * the client-facing part of the server locally: `welcome` on open (the token goes with each
 * HTTP request), `ack` for `unsubscribe` and `refresh`, and refuses client `publish`
 * (`unavailable`: publishing needs the WebSocket transport). Subclasses carry the subscriptions:
 * `restart()` runs whenever the topic set changed.
 */
export abstract class HttpSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: WebSocketMessageEventLike) => void) | null = null;
  onclose: ((event: WebSocketCloseEventLike) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  protected readonly base: string;
  protected token = '';
  /** Subscribed topics → the offset to continue from (null: from the tip / live only). */
  protected readonly topics = new Map<string, number | null>();
  /** Subscribe requests not answered yet: topic → request id. */
  protected readonly pending = new Map<string, number | null>();

  constructor(url: string) {
    this.base = httpBase(url);
    setTimeout(() => {
      if (this.readyState !== 0) return;
      this.readyState = 1;
      this.onopen?.({});
      this.emit({ op: 'welcome', session: '', node: '', heartbeat: 0 });
    });
  }

  send(data: string | Uint8Array): void {
    if (typeof data !== 'string') {
      // The one binary frame a client sends is a publish.
      this.emit({ op: 'error', id: binaryPublishId(data) || null, code: 'unavailable', message: PUBLISH_REFUSED });
      return;
    }
    const f = JSON.parse(data) as { op: string; id?: number; topic: string; token: string; since?: { offset: number } };
    const id = f.id ?? null;
    if (f.op === 'connect' || f.op === 'refresh') this.token = f.token;
    if (f.op === 'refresh') this.emit({ op: 'ack', id, offset: null });
    else if (f.op === 'publish') this.emit({ op: 'error', id, code: 'unavailable', message: PUBLISH_REFUSED });
    else if (f.op === 'subscribe') {
      this.topics.set(f.topic, f.since?.offset ?? null);
      this.pending.set(f.topic, id);
      this.restart();
    } else if (f.op === 'unsubscribe') {
      this.topics.delete(f.topic);
      this.pending.delete(f.topic);
      this.emit({ op: 'ack', id, topic: f.topic });
      this.restart();
    }
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.stop();
    this.onclose?.({ code, reason });
  }

  protected emit(frame: object): void {
    if (this.readyState === 1) this.onmessage?.({ data: JSON.stringify(frame) });
  }

  /** `topics=a,b&since=a:4&token=…` for the current topics. */
  protected query(): string {
    const names = [...this.topics.keys()];
    const since = names.filter((t) => this.topics.get(t) != null).map((t) => `${encodeURIComponent(t)}:${this.topics.get(t)}`);
    return `topics=${names.map(encodeURIComponent).join(',')}&since=${since.join(',')}${this.token === '' ? '' : `&token=${encodeURIComponent(this.token)}`}`;
  }

  /** The topic set changed. */
  protected abstract restart(): void;
  /** Stops receiving (the socket is closed). */
  protected abstract stop(): void;
}
