import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, propagation } from '@opentelemetry/api';
import { Router } from '@switchboard/http';
import { inServerSpan, tracingState } from '@switchboard/telemetry';

/** The routes that get a SERVER span, and the span's name (`<method> <route>`). */
const TRACED: ReadonlyArray<[string, RegExp, string]> = [
  ['POST', /^\/v1\/publish$/, 'POST /v1/publish'],
  ['POST', /^\/v1\/publish\/batch$/, 'POST /v1/publish/batch'],
  ['GET', /^\/v1\/topics\/[^/]+\/history$/, 'GET /v1/topics/{topic}/history'],
];

/**
 * Wraps the api's router so that, while tracing is on, each publish, batch and history request
 * runs in a SERVER span that continues the caller's W3C `traceparent` (and `tracestate`). The
 * history append and bus publish of the Publisher become its children. With tracing off the
 * router is returned as it is.
 */
export function tracedRouter(inner: Router): Router {
  if (!tracingState.on) return inner;
  return new (class extends Router {
    override async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
      const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
      const route = TRACED.find(([method, pattern]) => method === req.method && pattern.test(path));
      if (route === undefined) return inner.handle(req, res);
      const parent = propagation.extract(context.active(), req.headers);
      let handled = false;
      const attributes = { 'http.request.method': route[0], 'http.route': route[2].slice(route[0].length + 1), 'url.path': path };
      await inServerSpan(route[2], parent, attributes, async (span) => {
        handled = await inner.handle(req, res);
        span.setAttribute('http.response.status_code', res.statusCode);
      });
      return handled;
    }
  })();
}
