import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { freePort, spawnTracked, stopProcess, WsTestClient } from '@switchboard/testkit';

/**
 * The hostile suite's node: an all-in-one started as its own process (so its RSS is its own,
 * sampled every 100 ms from /proc), a backend publishing `n = 1, 2, …` to `hostile.watch`
 * through the API, and one well-behaved client subscribed to it that answers pings. Each test
 * runs one attack against it, then `finish` checks that the watcher got every message in order
 * and returns the RSS figures the test asserts against its stated bound.
 */
export interface HostileNode {
  port: number;
  http: string;
  ws: string;
  child: ReturnType<typeof spawnTracked>;
  /** RSS right after start-up and warm-up, MB. */
  baselineMb: number;
  /** Highest RSS sampled so far, MB. */
  peakMb(): number;
  rssMb(): number;
  /** A number from /metrics (first series of that name). */
  metric(name: string): Promise<number>;
  watcher: WsTestClient;
  /** Stops publishing, checks in-order delivery to the watcher, stops the node; returns peak RSS. */
  finish(): Promise<{ published: number; peakMb: number; baselineMb: number }>;
  stop(): Promise<void>;
}

export const WATCH_TOPIC = 'hostile.watch';

function readRssMb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]) / 1024;
  } catch {
    return 0;
  }
}

export async function until(probe: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface HostileOptions {
  env?: Record<string, string>;
  /** API key the backend publishes with (when the node has API_KEYS). */
  apiKey?: string;
  /** A token for the watcher's `connect` (when the node has auth on). */
  watcherToken?: string;
  /** Milliseconds between the backend's publishes. */
  publishEveryMs?: number;
}

export async function startHostileNode(name: string, options: HostileOptions = {}): Promise<HostileNode> {
  const port = await freePort();
  const http = `http://127.0.0.1:${port}`;
  const ws = `ws://127.0.0.1:${port}/ws`;
  const child = spawnTracked(process.execPath, ['--import', 'tsx', 'services/all-in-one/src/main.ts'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ID: `hostile-${name}`, ...options.env },
  });
  await until(
    () =>
      fetch(`${http}/readyz`).then(
        (r) => r.status === 200,
        () => child.exitCode !== null && Promise.reject(new Error(`the node exited: ${child.output()}`)),
      ),
    'the all-in-one to be ready',
    30_000,
  );
  const pid = child.pid as number;
  let peak = readRssMb(pid);
  const sampler = setInterval(() => {
    peak = Math.max(peak, readRssMb(pid));
  }, 100);
  sampler.unref();

  const watcher = await WsTestClient.connect(ws, { welcome: options.watcherToken === undefined });
  if (options.watcherToken !== undefined) {
    watcher.send({ op: 'connect', token: options.watcherToken });
    await watcher.next((f) => f.op === 'welcome');
  }
  watcher.ws.on('message', (data) => {
    if (data.toString() === '{"op":"ping"}') watcher.send({ op: 'pong' });
  });
  assert.equal((await watcher.request({ op: 'subscribe', id: 1, topic: WATCH_TOPIC })).op, 'ack');

  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;
  let published = 0;
  let publishing = true;
  const loop = (async () => {
    while (publishing) {
      const res = await fetch(`${http}/v1/publish`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ topic: WATCH_TOPIC, data: { n: published + 1 } }),
      });
      assert.equal(res.status, 200, await res.text());
      published++;
      await new Promise((r) => setTimeout(r, options.publishEveryMs ?? 20));
    }
  })();
  // Warm-up: a few deliveries before the baseline, so it includes the steady state.
  await until(() => watcher.messages(WATCH_TOPIC).length >= 5, 'the watcher to receive', 10_000);
  const baselineMb = readRssMb(pid);
  peak = Math.max(peak, baselineMb);

  const stop = async () => {
    publishing = false;
    clearInterval(sampler);
    watcher.ws.terminate();
    await stopProcess(child, 'SIGKILL');
  };
  return {
    port,
    http,
    ws,
    child,
    baselineMb,
    peakMb: () => peak,
    rssMb: () => readRssMb(pid),
    async metric(metricName: string) {
      const text = await (await fetch(`${http}/metrics`)).text();
      const match = new RegExp(`^${metricName}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
      return match === null ? Number.NaN : Number(match[1]);
    },
    watcher,
    async finish() {
      publishing = false;
      await loop;
      assert.ok(published >= 5, `published ${published}`);
      const messages = await watcher.collect((f) => f.op === 'message' && f.topic === WATCH_TOPIC, published, 15_000);
      assert.deepEqual(
        messages.map((m) => (m.data as { n: number }).n),
        Array.from({ length: published }, (_, i) => i + 1),
        'the well-behaved client got every message, in order',
      );
      assert.equal(watcher.ws.readyState, watcher.ws.OPEN, 'the well-behaved client is still connected');
      assert.equal(child.exitCode, null, 'the node is still up');
      const result = { published, peakMb: Math.max(peak, readRssMb(pid)), baselineMb };
      await stop();
      return result;
    },
    stop,
  };
}

/** Logs the figure docs/security.md quotes. */
export function report(attack: string, figures: { peakMb: number; baselineMb: number; published: number }, bound: string): void {
  const growth = figures.peakMb - figures.baselineMb;
  console.log(
    `# hostile ${attack}: RSS ${figures.baselineMb.toFixed(0)} → peak ${figures.peakMb.toFixed(0)} MB (+${growth.toFixed(0)} MB, bound ${bound}); watcher got ${figures.published} messages in order`,
  );
}

/** Answers the server's heartbeat pings, so an idle test client is not cut (4008) during a long attack. */
export function keepAlive(client: WsTestClient): WsTestClient {
  client.ws.on('message', (data) => {
    if (data.toString() === '{"op":"ping"}') client.send({ op: 'pong' });
  });
  return client;
}
