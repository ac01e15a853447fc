import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One page or script served by `servePages`. */
export interface StaticPage {
  body: string;
  contentType: string;
}

export interface StaticPages {
  /** `http://127.0.0.1:<port>`: a loopback origin, so Chromium lets its pages open loopback sockets. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves fixed pages by path on a free loopback port, for browser tests. (Pages fulfilled by
 * Playwright's `page.route` count as public origins, and Chromium's local-network-access checks
 * then block their WebSockets to 127.0.0.1.) Unknown paths get 404.
 */
export async function servePages(pages: Record<string, StaticPage>): Promise<StaticPages> {
  const server = createServer((req, res) => {
    const page = pages[new URL(req.url ?? '/', 'http://x').pathname];
    if (page === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': page.contentType }).end(page.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
