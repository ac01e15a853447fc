import type { ServerResponse } from 'node:http';
import { type ControlFrame, encodeServerFrame } from '@switchboard/protocol';
import { drainOrClose } from '../../http/drain-wait.js';
import type { OutboundMessage } from '../outbound-message.js';
import type { Transport } from '../transport.js';

/** Each message's SSE event, built once and shared by every SSE subscriber (like the WebSocket frame). */
const events = new WeakMap<OutboundMessage, Buffer>();

/**
 * A message's `message` event, shared by every SSE subscriber. Its data is the message's JSON:
 * the text frame itself, or for bytes the base64 form with `"encoding":"base64"`.
 */
function sseEvent(message: OutboundMessage): Buffer {
  let event = events.get(message);
  if (event === undefined) {
    const json = message.kind === 'text' ? message.payload : message.json;
    const topic = message.topic;
    const id = topic === null ? '' : `id: ${topic}:${message.offset ?? ''}\n`;
    // The JSON is one line (JSON text never holds a raw newline).
    event = Buffer.concat([Buffer.from(`event: message\n${id}data: `), json, Buffer.from('\n\n')]);
    events.set(message, event);
  }
  return event;
}

/**
 * The SSE fallback (`GET /sse`) as a Transport: one `message` event per delivery (`id:
 * <topic>:<offset>`, data = the same JSON as the WebSocket text frame; a bytes message's data
 * in base64 with `"encoding":"base64"`), control frames as events
 * named after their op (data = the frame's JSON), heartbeat pings as comments. The client
 * cannot answer, so the session is passive (see Heartbeat) and the session lifecycle makes its
 * subscribes (the URL's topics) once it is welcomed. A drain's `reconnect` becomes the
 * `retry:` field and the end of the stream: EventSource comes back after `after` ms with
 * Last-Event-ID.
 */
export class SseTransport implements Transport {
  private ended = false;

  constructor(private readonly res: ServerResponse) {}

  send(frame: ControlFrame): void {
    if (this.ended) return;
    switch (frame.op) {
      case 'ping':
        this.res.write(': ping\n\n');
        return;
      case 'reconnect':
        this.res.write(`retry: ${frame.after}\nevent: reconnect\ndata: ${encodeServerFrame(frame)}\n\n`);
        this.end();
        return;
      default:
        this.res.write(`event: ${frame.op}\ndata: ${encodeServerFrame(frame)}\n\n`);
    }
  }

  sendMessage(message: OutboundMessage): void {
    if (!this.ended) this.res.write(sseEvent(message));
  }

  get bufferedBytes(): number {
    return this.res.writableLength + (this.res.socket?.writableLength ?? 0);
  }

  drained(maxWaitMs: number): Promise<void> {
    return drainOrClose(this.res, maxWaitMs);
  }

  close(code: number, reason: string): void {
    if (this.ended) return;
    this.res.write(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`);
    this.end();
  }

  private end(): void {
    this.ended = true;
    this.res.end();
    // A slow consumer's unsent bytes are not waited for.
    setTimeout(() => this.res.destroy(), 2000).unref();
  }
}
