import { WebSocket } from 'ws';

/**
 * A `ws` WebSocket class that keeps cookies like a browser does: it stores what the server sets
 * on the upgrade response (`sb_node`) and sends it back on the next connection. Give each
 * simulated browser its own class, so the SDK's reconnects go through a load balancer's
 * cookie stickiness as a real page's would.
 */
export interface BrowserLikeWebSocket {
  new (url: string | URL): WebSocket;
  /** What the "browser" holds: cookie name → value. */
  readonly cookies: Map<string, string>;
}

export function browserLikeWebSocket(): BrowserLikeWebSocket {
  const cookies = new Map<string, string>();
  class CookieWebSocket extends WebSocket {
    static cookies = cookies;
    constructor(url: string | URL) {
      const header = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      super(url, header ? { headers: { cookie: header } } : {});
      this.on('upgrade', (res) => {
        const set = res.headers['set-cookie'] ?? [];
        for (const line of set) {
          const [pair] = line.split(';');
          const eq = pair?.indexOf('=') ?? -1;
          if (pair !== undefined && eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
        }
      });
    }
  }
  return CookieWebSocket;
}
