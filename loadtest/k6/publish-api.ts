/**
 * Publish API load: single publishes and batches at fixed arrival rates, with thresholds on
 * latency and errors (429 counts as an error: raise the api's API_RATE_LIMIT for this test).
 *
 *   k6 run -e RATE=2000 -e BATCH_RATE=50 -e BATCH=100 -e API_KEY=… loadtest/k6/publish-api.ts
 */
import { check } from 'k6';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { API_URL, apiHeaders, envInt } from './config.ts';

const RATE = envInt('RATE', 1000);
const BATCH_RATE = envInt('BATCH_RATE', 20);
const BATCH = envInt('BATCH', 100);
const DURATION = `${envInt('DURATION', 60)}s`;
const TOPICS = envInt('TOPICS', 100);
const FILLER = 'x'.repeat(envInt('PAYLOAD', 64));

export const options: Options = {
  scenarios: {
    single: {
      executor: 'constant-arrival-rate',
      exec: 'single',
      rate: RATE,
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: Math.max(10, Math.ceil(RATE / 20)),
      maxVUs: Math.max(100, RATE),
    },
    batch: {
      executor: 'constant-arrival-rate',
      exec: 'batch',
      rate: BATCH_RATE,
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: Math.max(5, BATCH_RATE),
      maxVUs: Math.max(20, 4 * BATCH_RATE),
    },
  },
  thresholds: {
    'http_req_duration{name:publish}': ['p(95)<20', 'p(99)<50'],
    'http_req_duration{name:batch}': ['p(95)<100', 'p(99)<250'],
    http_req_failed: ['rate<0.001'],
    checks: ['rate>0.999'],
  },
};

const topic = () => `k6.api.${Math.floor(Math.random() * TOPICS)}`;

export function single(): void {
  const body = JSON.stringify({ topic: topic(), data: { ts: Date.now(), body: FILLER } });
  const res = http.post(`${API_URL}/v1/publish`, body, { headers: apiHeaders(), tags: { name: 'publish' } });
  check(res, { 'publish 200': (r) => r.status === 200 });
}

export function batch(): void {
  const messages = Array.from({ length: BATCH }, () => ({ topic: topic(), data: { ts: Date.now(), body: FILLER } }));
  const res = http.post(`${API_URL}/v1/publish/batch`, JSON.stringify({ messages }), { headers: apiHeaders(), tags: { name: 'batch' } });
  check(res, {
    'batch 200': (r) => r.status === 200,
    'batch all accepted': (r) => r.status === 200 && (r.json('results') as unknown[]).length === BATCH,
  });
}
