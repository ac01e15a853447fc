import { connect, type Socket } from 'node:net';

/**
 * A lean WebSocket client over a raw TCP socket, for the load generator: it does the upgrade,
 * reads unmasked server frames in place (no copy unless a frame spans two reads) and hands each
 * complete text frame to the handler as (buffer, start, end). It never parses JSON. Client
 * frames are masked with a zero key (valid per RFC 6455; the server unmasks as usual).
 */

export interface RawWsHandler {
  /** A read from the socket begins (its frames all arrived at this moment). */
  onRead(): void;
  /** A complete text frame: the payload is `buf[start, end)`. Do not keep `buf`. */
  onText(conn: RawWs, buf: Buffer, start: number, end: number): void;
  /** The upgrade succeeded (101). */
  onOpen(conn: RawWs): void;
  /** The connection ended, or the upgrade failed (`error` set). */
  onClose(conn: RawWs, byServer: boolean, error: string | null): void;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const KEY = 'dGhlIHNhbXBsZSBub25jZQ=='; // RFC 6455's sample nonce (16 bytes); the answer is not checked

export class RawWs {
  private readonly socket: Socket;
  private pending: Buffer | null = null;
  private upgraded = false;
  private ended = false;
  /** For the owner: subscription acks still awaited, etc. */
  state = 0;
  acksWanted = 0;

  constructor(
    host: string,
    port: number,
    path: string,
    private readonly handler: RawWsHandler,
    /** Index in the owner's table. */
    readonly index: number,
  ) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('connect', () => {
      this.socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.finish(false, err.message));
    this.socket.on('close', () => this.finish(true, this.upgraded ? null : 'closed before the upgrade'));
  }

  get open(): boolean {
    return this.upgraded && !this.ended;
  }

  /** Sends one masked text frame (payload < 64 KiB). */
  sendText(text: string): void {
    if (this.ended) return;
    const payload = Buffer.from(text);
    const length = payload.length;
    const header = length < 126 ? 6 : 8;
    const frame = Buffer.allocUnsafe(header + length);
    frame[0] = 0x81;
    if (length < 126) frame[1] = 0x80 | length;
    else {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(length, 2);
    }
    frame.writeUInt32BE(0, header - 4); // zero mask key: payload bytes go as they are
    payload.copy(frame, header);
    this.socket.write(frame);
  }

  /** Closes at once (no close handshake: the load generator does not wait). */
  destroy(): void {
    this.ended = true;
    this.socket.destroy();
  }

  private finish(byServer: boolean, error: string | null): void {
    if (this.ended && error === null) return;
    const wasEnded = this.ended;
    this.ended = true;
    this.socket.destroy();
    if (!wasEnded) this.handler.onClose(this, byServer, error);
  }

  private onData(chunk: Buffer): void {
    this.handler.onRead();
    let buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    if (!this.upgraded) {
      const end = buf.indexOf(HEADER_END);
      if (end < 0) {
        this.pending = buf;
        return;
      }
      if (buf.toString('latin1', 0, 12) !== 'HTTP/1.1 101') {
        this.finish(false, `upgrade refused: ${buf.toString('latin1', 0, buf.indexOf(13))}`);
        return;
      }
      this.upgraded = true;
      this.handler.onOpen(this);
      buf = buf.subarray(end + 4);
    }
    let pos = 0;
    const length = buf.length;
    while (length - pos >= 2) {
      const b0 = buf[pos] as number;
      const b1 = (buf[pos + 1] as number) & 0x7f;
      let header = 2;
      let size = b1;
      if (b1 === 126) {
        if (length - pos < 4) break;
        size = buf.readUInt16BE(pos + 2);
        header = 4;
      } else if (b1 === 127) {
        if (length - pos < 10) break;
        size = buf.readUInt32BE(pos + 2) * 2 ** 32 + buf.readUInt32BE(pos + 6);
        header = 10;
      }
      if (length - pos < header + size) break;
      const start = pos + header;
      pos = start + size;
      const opcode = b0 & 0x0f;
      if (opcode === 1) this.handler.onText(this, buf, start, pos);
      else if (opcode === 8) {
        this.finish(true, null);
        return;
      } else if (opcode === 9) this.pong(buf.subarray(start, pos));
      if (this.ended) return;
    }
    if (pos < length) this.pending = buf.subarray(pos);
  }

  private pong(payload: Buffer): void {
    const frame = Buffer.alloc(6 + payload.length);
    frame[0] = 0x8a;
    frame[1] = 0x80 | payload.length;
    payload.copy(frame, 6);
    this.socket.write(frame);
  }
}
