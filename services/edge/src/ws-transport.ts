import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { OutboundMessage } from './outbound-message.js';
import type { Transport } from './transport.js';

/** How long a closing socket may keep unsent bytes before it is cut (a slow consumer's). */
const CLOSE_GRACE_MS = 2000;

/**
 * A Transport over a `ws` WebSocket. Fan-out messages are written to the underlying TCP socket
 * as the one pre-built frame (no per-subscriber framing); this is safe because the server runs
 * without permessage-deflate, so `ws` itself writes each frame synchronously, never interleaved.
 */
export class WsTransport implements Transport {
  private readonly socket: Socket;
  private closing = false;

  constructor(private readonly ws: WebSocket) {
    this.socket = (ws as unknown as { _socket: Socket })._socket;
  }

  sendText(text: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text);
  }

  sendMessage(message: OutboundMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.socket.write(message.wsFrame);
  }

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.ws.close(code, reason);
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }
}
