/**
 * Fan-out latency: SUBSCRIBERS WebSocket clients on one topic (spread over the edges by
 * HAProxy), and RATE messages per second published through the publish API, each carrying its
 * publish time. Every delivery adds (receipt − publish time) to the `sb_fanout_latency_ms`
 * Trend, which has thresholds. Run k6 on the same machine as the cluster (one clock).
 *
 *   k6 run -e SUBSCRIBERS=1000 -e RATE=100 -e DURATION=60 loadtest/k6/fanout-latency.ts
 */
import { check } from 'k6';
import http from 'k6/http';
import { Counter, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { setTimeout } from 'k6/timers';
import { WebSocket } from 'k6/websockets';
import { API_URL, apiHeaders, envInt, parseFrame, WS_URL } from './config.ts';

const SUBSCRIBERS = envInt('SUBSCRIBERS', 500);
const RATE = envInt('RATE', 50);
const DURATION = envInt('DURATION', 60);
/** Subscribers connect during this many seconds before publishing starts. */
const RAMP = envInt('RAMP', 10);
const TOPIC = __ENV.TOPIC ?? 'k6.fanout';
const FILLER = 'x'.repeat(envInt('PAYLOAD', 64));

const latency = new Trend('sb_fanout_latency_ms', true);
const received = new Counter('sb_messages_received');

export const options: Options = {
  scenarios: {
    subscribers: {
      executor: 'per-vu-iterations',
      exec: 'subscriber',
      vus: SUBSCRIBERS,
      iterations: 1,
      maxDuration: `${RAMP + DURATION + 30}s`,
    },
    publisher: {
      executor: 'constant-arrival-rate',
      exec: 'publisher',
      rate: RATE,
      timeUnit: '1s',
      duration: `${DURATION}s`,
      startTime: `${RAMP}s`,
      preAllocatedVUs: Math.max(10, Math.ceil(RATE / 10)),
      maxVUs: Math.max(50, RATE),
    },
  },
  thresholds: {
    sb_fanout_latency_ms: ['p(50)<50', 'p(99)<250'],
    sb_messages_received: ['count>0'],
    'http_req_failed{scenario:publisher}': ['rate<0.01'],
  },
};

/** One subscriber for the whole test: subscribe, record each message's latency, answer pings. */
export function subscriber(): void {
  const ws = new WebSocket(WS_URL);
  ws.onopen = () => ws.send(JSON.stringify({ op: 'subscribe', id: 1, topic: TOPIC }));
  ws.onmessage = (event) => {
    const frame = parseFrame(event?.data);
    if (frame === null) return;
    if (frame.op === 'ping') ws.send('{"op":"pong"}');
    else if (frame.op === 'message' && typeof frame.data?.ts === 'number') {
      received.add(1);
      latency.add(Date.now() - frame.data.ts);
    }
  };
  setTimeout(() => ws.close(), (RAMP + DURATION + 5) * 1000);
}

/** One message with its publish time. */
export function publisher(): void {
  const body = JSON.stringify({ topic: TOPIC, data: { ts: Date.now(), body: FILLER } });
  const res = http.post(`${API_URL}/v1/publish`, body, { headers: apiHeaders(), tags: { name: 'publish' } });
  check(res, { 'publish 200': (r) => r.status === 200 });
}
