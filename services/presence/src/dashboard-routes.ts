import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Router, sendText } from '@switchboard/http';

const PUBLIC = fileURLToPath(new URL('../public/', import.meta.url));

const FILES: ReadonlyArray<readonly [string, string]> = [
  ['dashboard.js', 'text/javascript; charset=utf-8'],
  ['dashboard.css', 'text/css; charset=utf-8'],
];

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * The presence dashboard (static files, no framework) under `base`: `/` in the presence
 * service, `/presence/` in the all-in-one (where `/` is the demo page). Its assets are linked
 * relatively, and it reads the API at `/v1/presence…`, which both serve.
 */
export async function dashboardRoutes(base = '/'): Promise<Router> {
  const html = await readFile(`${PUBLIC}index.html`, 'utf8');
  const assets = await Promise.all(FILES.map(async ([name, type]) => [name, type, await readFile(`${PUBLIC}${name}`, 'utf8')] as const));
  const router = new Router().on('GET', new RegExp(`^${escapeRegExp(base)}$`), (_req, res) =>
    sendText(res, 200, html, 'text/html; charset=utf-8'),
  );
  if (base !== '/') {
    router.on('GET', new RegExp(`^${escapeRegExp(base.replace(/\/$/, ''))}$`), (_req, res) => {
      res.writeHead(308, { location: base, 'content-length': 0 });
      res.end();
    });
  }
  for (const [name, type, text] of assets)
    router.on('GET', new RegExp(`^${escapeRegExp(base + name)}$`), (_req, res) => sendText(res, 200, text, type));
  return router;
}
