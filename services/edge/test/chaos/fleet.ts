/**
 * A fleet of SDK clients, each like one browser page (its own cookie jar), connected through
 * the load balancer, each subscribed to one topic; and a paced publisher on the api. Records
 * what every client received, every reconnect's duration and every error.
 */
import assert from 'node:assert/strict';
import { createClient, type SwitchboardClient } from '@switchboard/sdk';
import { browserLikeWebSocket, requestJson } from '@switchboard/testkit';

export interface FleetClient {
  client: SwitchboardClient;
  topic: string;
  offsets: number[];
  nodes: string[];
  /** ms from each disconnect to the next connect. */
  reconnects: number[];
  errors: string[];
  gaps: number;
  /** Settles once the subscription is acknowledged (startFleet waits for it). */
  ready: Promise<unknown>;
}

export async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startFleet(wsUrl: string, count: number, topics: number, prefix: string): Promise<FleetClient[]> {
  const fleet: FleetClient[] = [];
  for (let i = 0; i < count; i++) {
    const WebSocket = browserLikeWebSocket();
    const client = createClient({ url: wsUrl, WebSocket });
    const topic = `${prefix}.t${i % topics}`;
    const member: FleetClient = { client, topic, offsets: [], nodes: [], reconnects: [], errors: [], gaps: 0, ready: Promise.resolve() };
    let lostAt: number | null = null;
    client.on('connected', (e) => {
      member.nodes.push(e.node);
      if (lostAt !== null) member.reconnects.push(Date.now() - lostAt);
      lostAt = null;
    });
    client.on('disconnected', () => {
      lostAt ??= Date.now();
    });
    client.on('error', (e) => member.errors.push(`${e.code}: ${e.message}`));
    client.on('recovered', (e) => {
      if (!e.recovered) member.gaps++;
    });
    member.ready = client.subscribe<unknown>(member.topic, (m) => member.offsets.push(m.offset ?? -1)).ready;
    fleet.push(member);
  }
  await Promise.all(fleet.map((m) => m.client.connect()));
  // `connect()` settles on the welcome, before the subscribes are acknowledged. A subscribe
  // without `since` starts at the tip its ack names, so a publish racing it is legitimately not
  // that client's: the fleet is ready once every subscription is acknowledged.
  await Promise.all(fleet.map((m) => m.ready));
  return fleet;
}

/** Publishes `perSecond` messages per second round-robin over the topics until stopped. */
export function startPublisher(apiUrl: string, topics: string[], perSecond: number) {
  const accepted = new Map<string, number[]>(topics.map((t) => [t, []]));
  const refused: string[] = [];
  /** Every request: when it was sent, how long its answer took, and the status (0: no answer). */
  const log: Array<{ topic: string; sentAt: number; ms: number; status: number }> = [];
  let n = 0;
  let inFlight = 0;
  // perSecond / 100 per 10 ms tick, fractions carried over (50/s is one request every other tick).
  let credit = 0;
  const timer = setInterval(() => {
    credit = Math.min(credit + perSecond / 100, Math.max(1, perSecond / 100));
    for (; credit >= 1 && inFlight < 50; credit--) {
      const topic = topics[n % topics.length] as string;
      const body = { topic, data: { n: n++ } };
      inFlight++;
      const sentAt = Date.now();
      requestJson(`${apiUrl}/v1/publish`, { body })
        .then((res) => {
          log.push({ topic, sentAt, ms: Date.now() - sentAt, status: res.status });
          if (res.status === 200) accepted.get(topic)?.push((res.body as { offset: number }).offset);
          else refused.push(`${res.status}`);
        })
        .catch((err: Error) => {
          log.push({ topic, sentAt, ms: Date.now() - sentAt, status: 0 });
          refused.push(err.message);
        })
        .finally(() => inFlight--);
    }
  }, 10);
  return {
    accepted,
    refused,
    log,
    get count() {
      return [...accepted.values()].reduce((sum, list) => sum + list.length, 0);
    },
    async stop() {
      clearInterval(timer);
      await until(() => inFlight === 0, 'in-flight publishes', 10_000);
    },
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Every client has every accepted message of its topic exactly once, in offset order. */
export async function assertNothingLost(fleet: FleetClient[], accepted: Map<string, number[]>, timeoutMs: number) {
  const expected = new Map([...accepted].map(([t, list]) => [t, [...list].sort((a, b) => a - b)]));
  const isBehind = (m: FleetClient) => m.offsets.length < (expected.get(m.topic)?.length ?? 0);
  try {
    await until(() => !fleet.some(isBehind), 'every client to catch up', timeoutMs);
  } catch (err) {
    // Say who is behind and on what, so a rare failure can be read from the CI log alone.
    const behind = fleet
      .filter(isBehind)
      .slice(0, 5)
      .map((m) => {
        const got = new Set(m.offsets);
        const missing = (expected.get(m.topic) ?? []).filter((o) => !got.has(o)).slice(0, 8);
        return `${m.topic} via ${m.nodes.join(' → ')}: ${m.offsets.length} received, missing ${missing.join(',')}, last ${m.offsets.slice(-3).join(',')}, gaps ${m.gaps}, errors ${m.errors.length}`;
      });
    throw new Error(`${(err as Error).message}; behind: ${behind.join(' | ')}`, { cause: err });
  }
  let lost = 0;
  let duplicated = 0;
  for (const m of fleet) {
    const want = expected.get(m.topic) ?? [];
    const got = new Set(m.offsets);
    lost += want.filter((o) => !got.has(o)).length;
    duplicated += m.offsets.length - got.size;
    assert.deepEqual(m.offsets, want, `a client of ${m.topic} (nodes ${m.nodes.join(' → ')})`);
  }
  return { lost, duplicated };
}
