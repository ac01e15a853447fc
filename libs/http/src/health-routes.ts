import { sendJson, sendText } from './respond.js';
import { Router } from './router.js';

export interface HealthSource {
  /** Ready for traffic (false while starting, draining, or with the bus down). */
  ready(): boolean;
  /** Prometheus text exposition. */
  metrics(): Promise<string>;
}

/** `GET /healthz` (process up), `GET /readyz` (200 or 503) and `GET /metrics`. */
export function healthRoutes(source: HealthSource): Router {
  return new Router()
    .on('GET', /^\/healthz$/, (_req, res) => sendJson(res, 200, { status: 'ok' }))
    .on('GET', /^\/readyz$/, (_req, res) => {
      const ready = source.ready();
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' });
    })
    .on('GET', /^\/metrics$/, async (_req, res) => sendText(res, 200, await source.metrics(), 'text/plain; version=0.0.4; charset=utf-8'));
}
