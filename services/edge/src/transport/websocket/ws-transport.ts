import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ControlFrame, encodeServerFrame } from '@switchboard/protocol';
import type { WebSocket } from 'ws';
import { drainOrClose } from '../../http/drain-wait.js';
import type { OutboundMessage } from '../outbound-message.js';
import type { Transport } from '../transport.js';
import { enqueue, flushOwner, type QueueOwner } from './write-coalescer.js';
import { frameText } from './ws-frame.js';

/**
 * Corks a socket that `ws` is about to answer with 101 (call it from the server's `headers`
 * event) until the end of this tick: the handshake response and the `welcome` frame sent while
 * accepting it then leave in ONE write instead of two. Accepting a connection on loopback costs
 * mostly those system calls (see docs/benchmarks.md, connect).
 */
export function corkHandshake(socket: Duplex): void {
  socket.cork();
  process.nextTick(() => socket.uncork());
}

/** How long a closing socket may keep unsent bytes before it is cut (a slow consumer's). */
const CLOSE_GRACE_MS = 2000;
/** The heartbeat's `ping`, framed once for every connection (queued frames are never modified). */
const PING_FRAME = frameText(Buffer.from(encodeServerFrame({ op: 'ping' })));

/**
 * A Transport over a `ws` WebSocket. Control frames are encoded here as JSON text, once. Every
 * frame (control and fan-out alike, so their order is kept) is framed here and queued in the write coalescer, which writes each socket's frames of
 * one event-loop turn as one chunk. Fan-out frames are the one pre-built frame of the message,
 * shared by every subscriber. Writing under `ws` is safe because the server runs without
 * permessage-deflate: `ws` itself then writes synchronously (only its close frame, after a
 * flush of the queue, and pongs), so frames never interleave.
 */
export class WsTransport implements Transport, QueueOwner {
  private readonly socket: Socket;
  queueHead = -1;
  queueTail = -1;
  queuedBytes = 0;
  /**
   * The socket's `writableLength` right after this transport last wrote to it; 0 when the kernel
   * took everything. Only our writes make it grow (ws's own pong and close frames aside, a few
   * bytes that the next flush sees), so while it is 0 the socket's buffer is still empty and
   * `bufferedBytes` need not reach into the socket: fan-out asks once per delivery.
   */
  private backlog = 0;
  /** Between `cork()` and `uncork()`: `uncork` takes the backlog once for all the frames. */
  private corked = false;
  private closing = false;

  constructor(private readonly ws: WebSocket) {
    this.socket = (ws as unknown as { _socket: Socket })._socket;
  }

  /** A control frame as one JSON text frame (the heartbeat's `ping` is one shared frame). */
  send(frame: ControlFrame): void {
    if (frame.op === 'ping') this.writeFrame(PING_FRAME);
    else this.writeFrame(frameText(Buffer.from(encodeServerFrame(frame))));
  }

  /** Writes `text` (JSON) as one text frame, in order with everything else sent. */
  protected sendJsonText(text: string): void {
    this.writeFrame(frameText(Buffer.from(text)));
  }

  private writeFrame(frame: Buffer): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    // Corked by corkHandshake: `welcome` joins the 101 response in the socket's first write.
    if (this.socket.writableCorked > 0 && this.queueHead < 0) {
      this.socket.write(frame);
      this.backlog = this.socket.writableLength;
    } else enqueue(this, frame);
  }

  /**
   * Queues the message's shared frame. Whether the WebSocket is still open is checked when the
   * queue is written (`writeOut`), once per socket and turn rather than once per delivery.
   */
  sendMessage(message: OutboundMessage): void {
    if (!this.closing) enqueue(this, message.wsFrame);
  }

  /** Bytes the client has not taken yet: in the socket's buffer, and queued for this turn's write. */
  get bufferedBytes(): number {
    return (this.backlog === 0 ? 0 : this.socket.writableLength) + this.queuedBytes;
  }

  drained(maxWaitMs: number): Promise<void> {
    // Frames still queued for this turn's write: they reach the socket at the turn's end.
    if (this.socket.writableLength === 0) return new Promise((resolve) => setTimeout(resolve, Math.min(maxWaitMs, 10)));
    return drainOrClose(this.socket, maxWaitMs);
  }

  writeOut(chunk: Buffer): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.socket.write(chunk);
    if (!this.corked) this.backlog = this.socket.writableLength;
  }

  cork(): void {
    this.corked = true;
    this.socket.cork();
  }

  uncork(): void {
    this.corked = false;
    this.socket.uncork();
    this.backlog = this.socket.writableLength;
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    flushOwner(this);
    this.ws.close(code, reason);
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }
}
