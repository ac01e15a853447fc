import { HttpSocket } from './http-socket.js';

interface EventSourceLike {
  readonly readyState: number;
  onmessage: ((event: { data: string }) => void) | null;
  onerror: ((event: { data?: string }) => void) | null;
  addEventListener(type: string, listener: (event: { data?: string }) => void): void;
  close(): void;
}

type EventSourceConstructor = new (url: string) => EventSourceLike;

/**
 * Server-Sent Events (`GET /sse`) as a socket: one stream for every subscribed topic, opened
 * again (with each topic's last offset as `since`) when the topic set changes. The server's
 * `ack` and `error` events are matched to the pending subscribes by topic; an ack of a reopened
 * stream for a topic already subscribed is swallowed, and replayed messages the client already
 * has are dropped by the client's offset check. A stream that fails closes the socket (1006):
 * the client reconnects with backoff, or moves to its next transport.
 */
export class SseSocket extends HttpSocket {
  private source: EventSourceLike | null = null;
  private scheduled = false;

  /** Opens the stream once per turn, however many subscribes came in it. */
  protected restart(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      this.open();
    });
  }

  protected stop(): void {
    this.source?.close();
    this.source = null;
  }

  private open(): void {
    this.stop();
    if (this.readyState !== 1 || this.topics.size === 0) return;
    const names = [...this.topics.keys()];
    const source = new (globalThis as unknown as { EventSource: EventSourceConstructor }).EventSource(`${this.base}/sse?${this.query()}`);
    this.source = source;
    const frame = (event: { data?: string }) => JSON.parse(event.data ?? '{}') as { id?: number; topic?: string; offset?: number };
    source.onmessage = (event) => {
      const f = frame(event);
      if (f.topic !== undefined && this.topics.has(f.topic) && f.offset != null) this.topics.set(f.topic, f.offset);
      this.emit(f);
    };
    source.addEventListener('ack', (event) => {
      const f = frame(event);
      const id = this.pending.get(f.topic ?? '');
      if (id === undefined) return;
      this.pending.delete(f.topic ?? '');
      this.emit({ ...f, id });
    });
    source.addEventListener('close', (event) => {
      const f = frame(event) as { code?: number; reason?: string };
      this.close(f.code ?? 1000, f.reason ?? '');
    });
    source.addEventListener('reconnect', (event) => this.emit(frame(event)));
    source.onerror = (event) => {
      if (event.data === undefined) {
        this.close(1006, 'event stream failed');
        return;
      }
      // A refused topic: the error's id is its place in the stream's topic list.
      const f = frame(event) as { id?: number; code?: string; message?: string };
      const topic = names[(f.id ?? 0) - 1] ?? '';
      const id = this.pending.get(topic);
      this.topics.delete(topic);
      this.pending.delete(topic);
      if (id !== undefined) this.emit({ ...f, id });
    };
  }
}
