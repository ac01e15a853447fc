import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { sendError } from './respond.js';
import type { Router } from './router.js';

export interface ServeLogger {
  error(obj: object, msg: string): void;
}

/**
 * An HTTP server that tries each router in turn, answers 404 when none matches and 500 when a
 * handler throws (logged; the process stays up).
 */
export function createRoutedServer(routers: Router[], log: ServeLogger): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      try {
        for (const router of routers) if (await router.handle(req, res)) return;
        sendError(res, 404, 'not_found', 'no such resource');
      } catch (err) {
        log.error({ err, url: req.url }, 'request handler failed');
        if (!res.headersSent) sendError(res, 500, 'unavailable', 'internal error');
        else res.destroy();
      }
    })();
  });
}

/** Listens and resolves with the bound port (useful with PORT=0 in tests). */
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
