import { bytesOf, parseBinaryMessage } from './binary.js';
import { parseServerFrame, type ServerFrame } from './frames.js';
import { READY_STATE_OPEN, type WebSocketConstructor, type WebSocketLike } from './websocket.js';

export interface ConnectionEvents {
  open(): void;
  frame(frame: ServerFrame): void;
  /** The socket closed or was declared dead; not called after `drop()`. */
  close(code: number, reason: string): void;
}

/** Close code used when the connection is declared dead (heartbeat timeout). */
export const HEARTBEAT_TIMEOUT_CODE = 4008;

/**
 * One WebSocket: parses incoming frames and watches for silence. The watchdog closes the
 * socket when nothing at all was received for `limit` ms (the connect timeout until `watch()`
 * sets 2 × heartbeat).
 */
export class Connection {
  private readonly socket: WebSocketLike;
  private lastReceived = Date.now();
  private limitMs = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private done = false;

  constructor(
    WebSocketImpl: WebSocketConstructor,
    url: string,
    private readonly events: ConnectionEvents,
    connectTimeoutMs: number,
  ) {
    const socket = new WebSocketImpl(url);
    this.socket = socket;
    // Browsers deliver binary messages as Blobs by default; `ws` keeps its Buffers ('nodebuffer').
    if (socket.binaryType === 'blob') socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      if (!this.done) this.events.open();
    };
    socket.onmessage = (event) => {
      if (this.done) return;
      this.lastReceived = Date.now();
      if (typeof event.data === 'string') {
        const frame = parseServerFrame(event.data);
        if (frame !== null) this.events.frame(frame);
        return;
      }
      const bytes = bytesOf(event.data);
      const message = bytes === null ? null : parseBinaryMessage(bytes);
      if (message !== null) this.events.frame({ op: 'message', ...message });
    };
    socket.onclose = (event) => this.finish(event.code, event.reason);
    // An error is always followed by close; the handler must exist (ws throws on unhandled errors).
    socket.onerror = () => undefined;
    this.watch(connectTimeoutMs);
  }

  /** (Re)arms the silence watchdog; 0 disables it. */
  watch(limitMs: number): void {
    this.limitMs = limitMs;
    this.lastReceived = Date.now();
    this.clearTimer();
    if (limitMs > 0 && !this.done) this.arm(limitMs);
  }

  /** Sends one text frame (a string) or binary frame (bytes); false when the socket is not open. */
  send(frame: string | Uint8Array): boolean {
    if (this.done || this.socket.readyState !== READY_STATE_OPEN) return false;
    try {
      this.socket.send(frame);
      return true;
    } catch {
      return false;
    }
  }

  /** Closes the socket locally; no `close` event follows. */
  drop(code: number, reason: string, terminate = false): void {
    if (this.done) return;
    this.done = true;
    this.clearTimer();
    this.detach();
    try {
      if (terminate && this.socket.terminate !== undefined && this.socket.readyState === READY_STATE_OPEN) this.socket.terminate();
      else this.socket.close(code, reason);
    } catch {
      // Closing an already-closing socket may throw in some implementations; it is gone anyway.
    }
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(() => this.check(), delayMs);
  }

  private check(): void {
    this.timer = null;
    if (this.done) return;
    const idle = Date.now() - this.lastReceived;
    if (idle < this.limitMs) {
      this.arm(this.limitMs - idle);
      return;
    }
    this.drop(HEARTBEAT_TIMEOUT_CODE, 'heartbeat timeout', true);
    this.events.close(HEARTBEAT_TIMEOUT_CODE, 'heartbeat timeout');
  }

  private finish(code: number, reason: string): void {
    if (this.done) return;
    this.done = true;
    this.clearTimer();
    this.detach();
    this.events.close(code, reason);
  }

  private detach(): void {
    this.socket.onopen = null;
    this.socket.onmessage = null;
    this.socket.onclose = null;
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
