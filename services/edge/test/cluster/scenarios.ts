/**
 * The cluster scenarios every bus backend must pass (run by one test file per backend):
 * fan-out across 3 edge processes, interest counting, and a broker restart mid-stream.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { readBinaryMessageHead } from '@switchboard/protocol';
import { createClient } from '@switchboard/sdk';
import { type BrokerHandle, requestJson, startCluster, type TestCluster, WsTestClient } from '@switchboard/testkit';
import { WebSocket } from 'ws';

const TOPICS = 10;
const CLIENTS = 300;
const MESSAGES = 1000;

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return Number(line?.split(' ').pop() ?? Number.NaN);
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Publishes `count` messages through the api with `concurrency` requests in flight; returns the 200s. */
async function publishMany(apiUrl: string, count: number, concurrency: number, topicOf: (n: number) => string) {
  const accepted: Array<{ topic: string; n: number; offset: number }> = [];
  const refused: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const topic = topicOf(n);
      const res = await requestJson(`${apiUrl}/v1/publish`, { body: { topic, data: { n } } });
      if (res.status === 200) accepted.push({ topic, n, offset: (res.body as { offset: number }).offset });
      else refused.push(res.status);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { accepted, refused };
}

export function runClusterScenarios(name: string, startBroker: () => Promise<BrokerHandle>, options: { wildcards?: boolean } = {}): void {
  describe(`cluster on ${name}: 3 edges + api as processes`, { timeout: 120_000 }, () => {
    let broker: BrokerHandle;
    let cluster: TestCluster;
    before(async () => {
      broker = await startBroker();
      cluster = await startCluster({ busUrl: broker.url, edges: 3, apis: 2, env: { BUS_PREFIX: `t${process.pid}`, HISTORY_SIZE: '2000' } });
    });
    after(async () => {
      await cluster?.stop();
      await broker?.stop();
    });

    it(`delivers ${MESSAGES} api messages on ${TOPICS} topics to ${CLIENTS} clients over 3 edges: each once, in offset order`, async () => {
      const clients: Array<{ client: WsTestClient; topic: string }> = [];
      for (let i = 0; i < CLIENTS; i++) {
        const edge = cluster.edges[i % cluster.edges.length];
        assert.ok(edge);
        const topic = `fan.t${i % TOPICS}`;
        const client = await WsTestClient.connect(edge.wsUrl);
        clients.push({ client, topic });
      }
      await Promise.all(clients.map(({ client, topic }, i) => client.request({ op: 'subscribe', id: i + 1, topic })));
      const { accepted, refused } = await publishMany(cluster.api.url, MESSAGES, 8, (n) => `fan.t${n % TOPICS}`);
      assert.deepEqual(refused, []);
      const perTopic = new Map<string, number[]>();
      for (const { topic, offset } of accepted) perTopic.set(topic, [...(perTopic.get(topic) ?? []), offset]);
      for (const offsets of perTopic.values()) offsets.sort((a, b) => a - b);
      for (const { client, topic } of clients) {
        const expected = perTopic.get(topic) ?? [];
        const got = await client.collect((f) => f.op === 'message', expected.length, 20_000);
        assert.ok(
          got.every((f) => f.topic === topic),
          `a client of ${topic} got another topic`,
        );
        assert.deepEqual(
          got.map((f) => f.offset),
          expected,
          `client of ${topic}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
      for (const { client } of clients) {
        assert.equal(
          client.messages().length,
          (perTopic.get(client.messages()[0]?.topic as string) ?? []).length,
          'no extra copy arrived later',
        );
        client.close();
      }
    });

    // On NATS each api process announces on the bus after its own append, so the edges see the
    // two processes' offsets interleaved out of order and fill gaps from history (interest.ts).
    it('two api processes publishing to one hot topic: gap-free unique offsets, every client gets each once, in order', async () => {
      const topic = 'hot.shared';
      const clients: WsTestClient[] = [];
      for (let i = 0; i < 30; i++) {
        const edge = cluster.edges[i % cluster.edges.length];
        assert.ok(edge);
        clients.push(await WsTestClient.connect(edge.wsUrl));
      }
      await Promise.all(clients.map((client, i) => client.request({ op: 'subscribe', id: i + 1, topic })));
      const [one, two] = cluster.apis;
      assert.ok(one !== undefined && two !== undefined);
      const results = await Promise.all([publishMany(one.url, 400, 16, () => topic), publishMany(two.url, 400, 16, () => topic)]);
      for (const { refused } of results) assert.deepEqual(refused, []);
      const offsets = results.flatMap((r) => r.accepted.map((a) => a.offset)).sort((a, b) => a - b);
      const first = offsets[0] ?? 1;
      assert.deepEqual(
        offsets,
        Array.from({ length: 800 }, (_, i) => first + i),
        'offsets are unique and gap-free across both api processes',
      );
      for (const client of clients) {
        const got = await client.collect((f) => f.op === 'message', 800, 30_000);
        assert.deepEqual(
          got.map((f) => f.offset),
          offsets,
        );
        client.close();
      }
    });

    it(
      options.wildcards === false ? 'refuses wildcard subscriptions with bad_request' : 'delivers to wildcard subscribers on every edge',
      async () => {
        const clients = await Promise.all(cluster.edges.map((e) => WsTestClient.connect(e.wsUrl)));
        const replies = await Promise.all(clients.map((c, i) => c.request({ op: 'subscribe', id: i + 1, topic: 'wild.*.x' })));
        if (options.wildcards === false) {
          for (const reply of replies) assert.deepEqual([reply.op, reply.code], ['error', 'bad_request']);
        } else {
          for (const reply of replies) assert.equal(reply.op, 'ack');
          await publishMany(cluster.api.url, 3, 1, (n) => ['wild.a.x', 'wild.b.y', 'wild.c.x'][n] as string);
          for (const client of clients) {
            const got = await client.collect((f) => f.op === 'message', 2, 10_000);
            assert.deepEqual(
              got.map((f) => f.topic),
              ['wild.a.x', 'wild.c.x'],
            );
          }
        }
        for (const client of clients) client.close();
      },
    );

    it('carries bytes across edges and apis: one binary frame each, the same bytes replayed from history', async () => {
      const topic = 'bytes.t';
      const bytes = Array.from({ length: 5 }, (_, i) => randomBytes(i === 0 ? 256 : 1 + i * 97));
      const live = await Promise.all(cluster.edges.map((edge) => WsTestClient.connect(edge.wsUrl)));
      await Promise.all(live.map((client, i) => client.request({ op: 'subscribe', id: i + 1, topic })));
      const apis = cluster.apis;
      const offsets: number[] = [];
      for (const [i, b] of bytes.entries()) {
        const api = apis[i % apis.length] ?? cluster.api;
        const res = await requestJson(`${api.url}/v1/publish?topic=${topic}`, {
          raw: b,
          headers: { 'content-type': 'application/octet-stream' },
        });
        assert.equal(res.status, 200);
        offsets.push((res.body as { offset: number }).offset);
        if (i === 2) await requestJson(`${api.url}/v1/publish`, { body: { topic, data: { json: i } } });
      }
      const payloads = (frames: Array<Record<string, unknown>>) =>
        frames.map((f) => {
          const frame = f.bytes as Buffer;
          const head = readBinaryMessageHead(frame);
          return { offset: head?.offset, bytes: frame.subarray(head?.payloadStart) };
        });
      const expected = bytes.map((b, i) => ({ offset: offsets[i], bytes: b }));
      for (const client of live) {
        assert.deepEqual(payloads(await client.collect((f) => f.op === 'binary', bytes.length, 20_000)), expected);
        assert.equal(client.messages(topic).length, 1, 'the JSON message came as a text frame');
      }
      // A late subscriber on another edge replays the bytes from the backend's history.
      const late = await WsTestClient.connect((cluster.edges[2] ?? cluster.edges[0])?.wsUrl ?? '');
      const ack = await late.request({ op: 'subscribe', id: 1, topic, since: { offset: 0 } });
      assert.equal(ack.recovered, true);
      assert.deepEqual(payloads(await late.collect((f) => f.op === 'binary', bytes.length, 20_000)), expected);
      for (const client of [...live, late]) client.close();
    });

    it('sends an edge no bus message for a topic none of its clients wants', async () => {
      const [wanting, other1, other2] = cluster.edges;
      assert.ok(wanting && other1 && other2);
      const client = await WsTestClient.connect(wanting.wsUrl);
      await client.request({ op: 'subscribe', id: 1, topic: 'lonely.topic' });
      const before = await Promise.all(cluster.edges.map((e) => metric(e.url, 'switchboard_edge_bus_messages_total')));
      await publishMany(cluster.api.url, 50, 4, () => 'lonely.topic');
      await client.collect((f) => f.op === 'message', 50, 10_000);
      const after = await Promise.all(cluster.edges.map((e) => metric(e.url, 'switchboard_edge_bus_messages_total')));
      assert.equal((after[0] as number) - (before[0] as number), 50, 'the edge with the subscriber got each message once');
      assert.equal(after[1], before[1], 'edge 2 received nothing');
      assert.equal(after[2], before[2], 'edge 3 received nothing');
      client.close();
    });

    it('survives a broker restart mid-stream: 503 while down, never a lost 200; SDK clients end with every accepted message', async (t) => {
      const topics = ['restart.a', 'restart.b'];
      const received = new Map<number, number[]>();
      const sdkClients = Array.from({ length: 12 }, (_, i) => {
        const edge = cluster.edges[i % 3];
        assert.ok(edge);
        const client = createClient({ url: edge.wsUrl, WebSocket, backoffBaseMs: 100, backoffMaxMs: 1000 });
        const topic = topics[i % 2] as string;
        received.set(i, []);
        const sub = client.subscribe<{ n: number }>(topic, (m) => received.get(i)?.push(m.offset ?? -1));
        return { client, topic, sub };
      });
      t.after(() => {
        for (const { client } of sdkClients) client.close();
      });
      await Promise.all(sdkClients.map(({ client }) => client.connect()));
      await Promise.all(sdkClients.map(({ sub }) => sub.ready));

      const accepted: Array<{ topic: string; offset: number }> = [];
      let refused = 0;
      let unknown = 0;
      let stop = false;
      let n = 0;
      const loop = (async () => {
        while (!stop) {
          const topic = topics[n % 2] as string;
          const res = await requestJson(`${cluster.api.url}/v1/publish`, { body: { topic, data: { n: n++ } } }).catch(() => null);
          if (res?.status === 200) accepted.push({ topic, offset: (res.body as { offset: number }).offset });
          else if (res?.status === 503) refused++;
          else if (res === null) unknown++;
          else assert.fail(`unexpected status ${res.status}`);
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      await until(() => accepted.length >= 50, 'traffic before the restart', 10_000);
      await broker.kill();
      await until(() => refused >= 5, 'publishes refused with 503 while the broker is down', 10_000);
      for (const edge of cluster.edges)
        await until(async () => (await fetch(`${edge.url}/readyz`)).status === 503, `${edge.name} not ready`, 10_000);
      await broker.restart();
      const restartedAt = Date.now();
      for (const edge of cluster.edges)
        await until(async () => (await fetch(`${edge.url}/readyz`)).status === 200, `${edge.name} ready again`, 5_000);
      const resubscribeMs = Date.now() - restartedAt;
      const countAfter = accepted.length;
      await until(() => accepted.length >= countAfter + 50, 'traffic after the restart', 10_000);
      stop = true;
      await loop;

      const expected = new Map(
        topics.map((t) => [
          t,
          accepted
            .filter((a) => a.topic === t)
            .map((a) => a.offset)
            .sort((a, b) => a - b),
        ]),
      );
      // A publish whose answer was lost with the broker (a 503 after the write, or a dropped
      // request) may still have been stored: such a message may show up, but no more of them
      // than there were such answers, and it keeps its place in the offset sequence.
      for (const [i, { topic }] of sdkClients.entries()) {
        const want = expected.get(topic) ?? [];
        await until(() => (received.get(i)?.length ?? 0) >= want.length, `client ${i} catching up on ${topic}`, 15_000);
        const got = received.get(i) ?? [];
        const seen = new Set(got);
        assert.deepEqual(
          want.filter((o) => !seen.has(o)),
          [],
          `client ${i} on ${topic}: no accepted message lost`,
        );
        assert.deepEqual(
          got,
          [...seen].sort((a, b) => a - b),
          `client ${i} on ${topic}: once each, in offset order`,
        );
        const extra = got.length - want.length;
        assert.ok(
          extra <= refused + unknown,
          `client ${i}: ${extra} messages beyond the accepted ones, ${refused + unknown} unclear answers`,
        );
      }
      assert.ok(refused > 0);
      assert.ok(resubscribeMs < 5000, `edges ready ${resubscribeMs} ms after the broker restart`);
      for (const { client } of sdkClients) client.close();
    });
  });
}
