import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { sendError } from './respond.js';
import type { Router } from './router.js';
import type { TlsFiles } from './tls.js';

export interface ServeLogger {
  error(obj: object, msg: string): void;
}

export interface ServeOptions {
  /** Serve https (and wss) with this certificate; null or unset = plain http. See `loadTls`. */
  tls?: TlsFiles | null;
  /**
   * Bound on a connection's TLS handshake and on its request headers, upgrade requests included
   * (`HANDSHAKE_TIMEOUT_MS`, against slowloris). Default 5000.
   */
  handshakeTimeoutMs?: number;
  /** Bound on a whole request, body included. Default 30000. */
  requestTimeoutMs?: number;
}

/**
 * An HTTP (or, with `tls`, HTTPS) server that tries each router in turn, answers 404 when none
 * matches and 500 when a handler throws (logged; the process stays up). A connection that has
 * not sent complete request headers within `handshakeTimeoutMs` (checked every
 * `handshakeTimeoutMs / 4`, at most every second) is answered 408 and closed; with TLS, one
 * that has not finished its handshake in that time is dropped.
 */
export function createRoutedServer(routers: Router[], log: ServeLogger, options: ServeOptions = {}): Server {
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5000;
  const requestTimeoutMs = Math.max(options.requestTimeoutMs ?? 30_000, handshakeTimeoutMs);
  const httpOptions = {
    headersTimeout: handshakeTimeoutMs,
    requestTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(handshakeTimeoutMs / 4))),
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      try {
        for (const router of routers) if (await router.handle(req, res)) return;
        sendError(res, 404, 'not_found', 'no such resource');
      } catch (err) {
        // The target may hold a token (`/sse?token=`): logged redacted (the logger's `url` serializer).
        log.error({ err, url: req.url }, 'request handler failed');
        if (!res.headersSent) sendError(res, 500, 'unavailable', 'internal error');
        else res.destroy();
      }
    })();
  };
  const tls = options.tls ?? null;
  if (tls === null) return createServer(httpOptions, handler);
  return createHttpsServer({ ...httpOptions, cert: tls.cert, key: tls.key, handshakeTimeout: handshakeTimeoutMs }, handler);
}

/** Listens (http or https alike) and resolves with the bound port (useful with PORT=0 in tests). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** `https` or `http`: the scheme `server` serves. */
export function schemeOf(server: Server): 'https' | 'http' {
  return 'setSecureContext' in server ? 'https' : 'http';
}
