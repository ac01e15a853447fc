import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '@switchboard/protocol';
import { sendError } from './respond.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, params: string[], url: URL) => void | Promise<void>;

/** The request target as a URL, or null when it is not one (`//[/x`, a bad authority). */
function parseTarget(target: string | undefined): URL | null {
  const raw = target ?? '/';
  // A target must be a path (origin-form): `//host/…` would be read as an authority.
  if (!raw.startsWith('/') || raw.startsWith('//')) return null;
  return URL.canParse(raw, 'http://localhost') ? new URL(raw, 'http://localhost') : null;
}

interface Route {
  method: string;
  pattern: RegExp;
  handler: RouteHandler;
}

/**
 * A minimal method + path router. Patterns are regular expressions over the decoded-less
 * pathname; capture groups become `params`. `handle` returns false when nothing matched, so
 * several routers (edge, api, presence) can share one server in the all-in-one process.
 */
export class Router {
  private readonly routes: Route[] = [];

  on(method: string, pattern: RegExp, handler: RouteHandler): this {
    this.routes.push({ method, pattern, handler });
    return this;
  }

  /** Routes the request; resolves false when no route's path matches. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = parseTarget(req.url);
    if (url === null) {
      // `GET //[/sse?token=…`: not a path a route can match; a 400, never a 500 (nor a log line with the target).
      sendError(res, 400, ErrorCode.BadRequest, 'malformed request target');
      return true;
    }
    let pathMatched = false;
    for (const route of this.routes) {
      const match = route.pattern.exec(url.pathname);
      if (match === null) continue;
      pathMatched = true;
      if (route.method !== req.method && !(route.method === 'GET' && req.method === 'HEAD')) continue;
      await route.handler(req, res, match.slice(1), url);
      return true;
    }
    if (pathMatched) {
      res.writeHead(405, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'method_not_allowed', message: `${req.method} is not allowed here` } }));
      return true;
    }
    return false;
  }
}
