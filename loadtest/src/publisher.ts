import { Agent, request } from 'node:http';
import { nowUs } from './latency.js';

/**
 * Publishes through the publish API (`POST /v1/publish[/batch]`, the contract's shape, which the
 * ceiling server speaks too). Each message's data ends with `"ts":<µs>`, the time the request
 * left, which the client workers read to measure latency.
 */
export class HttpPublisher {
  private seq = 0;
  private readonly filler: string;

  constructor(
    private readonly baseUrl: string,
    /** Bytes of filler text in every message's data (the rest is ~40 bytes of JSON). */
    payloadBytes = 64,
    private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 }),
  ) {
    this.filler = 'x'.repeat(Math.max(0, payloadBytes));
  }

  /** `ts` goes last, so a client finds it at a fixed distance from the frame's end (16 digits until 2286). */
  data(ts: number): string {
    return `{"seq":${this.seq++},"body":"${this.filler}","ts":${ts}}`;
  }

  /** One request carrying `count` messages on `topic`; resolves when the API answered 200. */
  batch(topic: string, count: number): Promise<void> {
    const ts = nowUs();
    const items: string[] = [];
    for (let i = 0; i < count; i++) items.push(`{"topic":"${topic}","data":${this.data(ts)}}`);
    return this.post('/v1/publish/batch', `{"messages":[${items.join(',')}]}`);
  }

  /** One message on `topic`. */
  one(topic: string): Promise<void> {
    return this.post('/v1/publish', `{"topic":"${topic}","data":${this.data(nowUs())}}`);
  }

  close(): void {
    this.agent.destroy();
  }

  private post(path: string, body: string): Promise<void> {
    return postJson(this.agent, new URL(path, this.baseUrl), body);
  }
}

/** POSTs a JSON body; resolves on 200, rejects with the status and the start of the answer otherwise. */
export function postJson(agent: Agent, url: URL, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode === 200) resolve();
          else reject(new Error(`${url.pathname} answered ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 200)}`));
        });
      },
    );
    req.setTimeout(120_000, () => req.destroy(new Error(`${url.pathname} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}
