/**
 * Connect storm: new WebSocket connections at a rising rate; each waits for the server's
 * `welcome`, holds the connection for HOLD_MS (answering pings), then closes.
 *
 *   k6 run -e RATE=2000 -e HOLD_MS=5000 loadtest/k6/connect-storm.ts
 */

import { Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { clearTimeout, setTimeout } from 'k6/timers';
import { WebSocket } from 'k6/websockets';
import { envInt, parseFrame, WS_URL } from './config.ts';

const RATE = envInt('RATE', 1000);
const HOLD_MS = envInt('HOLD_MS', 5000);

/** Time from opening the connection to the `welcome` frame. */
const connectTime = new Trend('sb_connect_ms', true);
/** Connections that got no `welcome` within 10 s (refused, reset or too slow). */
const connectFailed = new Rate('sb_connect_failed');

export const options: Options = {
  scenarios: {
    storm: {
      executor: 'ramping-arrival-rate',
      startRate: Math.ceil(RATE / 10),
      timeUnit: '1s',
      preAllocatedVUs: Math.ceil((RATE * (HOLD_MS + 1000)) / 1000),
      maxVUs: Math.ceil((RATE * (HOLD_MS + 10_000)) / 1000),
      stages: [
        { target: RATE, duration: '30s' },
        { target: RATE, duration: '1m' },
        { target: 0, duration: '10s' },
      ],
    },
  },
  thresholds: {
    sb_connect_ms: ['p(95)<500', 'p(99)<1000'],
    sb_connect_failed: ['rate<0.01'],
  },
};

export default function (): void {
  const started = Date.now();
  const ws = new WebSocket(WS_URL);
  let welcomed = false;
  let settled = false;
  const fail = () => {
    if (settled) return;
    settled = true;
    connectFailed.add(true);
    ws.close();
  };
  const giveUp = setTimeout(fail, 10_000);
  ws.onmessage = (event) => {
    const frame = parseFrame(event?.data);
    if (frame?.op === 'ping') ws.send('{"op":"pong"}');
    if (frame?.op !== 'welcome' || welcomed) return;
    welcomed = true;
    settled = true;
    clearTimeout(giveUp);
    connectTime.add(Date.now() - started);
    connectFailed.add(false);
    setTimeout(() => ws.close(), HOLD_MS);
  };
  ws.onerror = () => {
    clearTimeout(giveUp);
    fail();
  };
}
