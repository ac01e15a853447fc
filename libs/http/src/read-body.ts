import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorCode } from '@switchboard/protocol';
import { sendError } from './respond.js';

/** The request body was larger than allowed (answer 413). */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/**
 * Reads a request body up to `limit` bytes. Past the limit (declared or counted) it stops
 * reading and rejects with BodyTooLargeError; the caller answers with `refuseBody` (413).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLargeError(`body is ${declared} bytes, the limit is ${limit}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        reject(new BodyTooLargeError(`body is over the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/**
 * Answers a request whose body will not be read (401, 413, …) with `Connection: close`: the
 * server then closes the connection once the answer is written, instead of reading (and
 * discarding) a body it refused, which could be gigabytes (`Content-Length: 10000000000`).
 */
export function refuseBody(req: IncomingMessage, res: ServerResponse, status: number, code: ErrorCode, message: string): void {
  req.pause();
  lingerOnClose(req.socket);
  sendError(res, status, code, message, { connection: 'close' });
}

/** How long, and how many bytes of a refused body, a closing connection still reads and drops. */
const LINGER_MS = 2_000;
const LINGER_BYTES = 1_048_576;

/**
 * A lingering close (as Apache's): once the answer is written, the connection is half-closed and
 * what the client still sends is read and dropped for at most LINGER_MS / LINGER_BYTES before the
 * socket is destroyed. Closing at once with unread bytes in the receive buffer makes the kernel
 * reset the connection, and a client still sending its body then loses the answer it was sent.
 * Node's server closes a `Connection: close` response's socket with `destroySoon()`; this socket's
 * is replaced so the linger happens first.
 */
function lingerOnClose(socket: Socket): void {
  socket.destroySoon = () => {
    socket.end();
    let dropped = 0;
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.on('close', () => clearTimeout(timer));
    socket.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > LINGER_BYTES) socket.destroy();
    });
    socket.resume();
  };
}
