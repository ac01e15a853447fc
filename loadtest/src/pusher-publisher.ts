import { Agent } from 'node:http';
import { md5Hex, signRequest } from '@switchboard/pusher-protocol';
import { nowUs } from './latency.js';
import { postJson } from './publisher.js';

/** The Pusher app every benchmark target configures (PUSHER_APPS in BENCH_ENV). */
export const BENCH_PUSHER_APP = { id: 'bench', key: 'bench-key', secret: 'bench-secret-0123' };

/**
 * Publishes through the Pusher HTTP API (`POST /apps/{id}/batch_events`), signed like the
 * `pusher` library signs. Each event's data is the same text the native publisher sends
 * (as a string, Pusher's shape), so both sides move the same bytes.
 */
export class PusherHttpPublisher {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });
  private seq = 0;
  private readonly filler: string;

  constructor(
    private readonly baseUrl: string,
    payloadBytes = 64,
  ) {
    this.filler = 'x'.repeat(Math.max(0, payloadBytes));
  }

  /** One request carrying `count` events on `channel`; resolves when the API answered 200. */
  batch(channel: string, count: number): Promise<void> {
    const ts = nowUs();
    const items: string[] = [];
    for (let i = 0; i < count; i++) {
      const data = JSON.stringify(`{"seq":${this.seq++},"body":"${this.filler}","ts":${ts}}`);
      items.push(`{"channel":"${channel}","name":"bench","data":${data}}`);
    }
    return this.post(`/apps/${BENCH_PUSHER_APP.id}/batch_events`, `{"batch":[${items.join(',')}]}`);
  }

  close(): void {
    this.agent.destroy();
  }

  private post(path: string, body: string): Promise<void> {
    const params = new Map([
      ['auth_key', BENCH_PUSHER_APP.key],
      ['auth_timestamp', String(Math.floor(Date.now() / 1000))],
      ['auth_version', '1.0'],
      ['body_md5', md5Hex(body)],
    ]);
    params.set('auth_signature', signRequest(BENCH_PUSHER_APP.secret, 'POST', path, params));
    const url = new URL(`${path}?${[...params].map(([k, v]) => `${k}=${v}`).join('&')}`, this.baseUrl);
    return postJson(this.agent, url, body);
  }
}
