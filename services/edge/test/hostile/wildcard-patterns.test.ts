import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WsTestClient } from '@switchboard/testkit';
import { type HostileNode, keepAlive, report, startHostileNode } from './harness.js';

/**
 * Wildcard patterns cost a subject-index walk, not a scan: 200 idle clients × 128 distinct
 * patterns (`p7.x3.*.>`, 25,600 in all) must leave a plain topic's p50 latency within 2× its
 * baseline measured in the same run, with every message delivered in order. Also checks the
 * per-connection bound (MAX_PATTERNS_PER_CONNECTION) and that the patterns themselves deliver.
 */

const CLIENTS = 200;
const PER_CLIENT = 128;
const SAMPLES = 150;
const RSS_BOUND_MB = 200;

let node: HostileNode;

/** p50 latency (ms) of SAMPLES messages published through the API to `plain.latency`. */
async function plainP50(reader: WsTestClient, round: number): Promise<number> {
  const latencies: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const sent = performance.now();
    const res = await fetch(`${node.http}/v1/publish`, {
      method: 'POST',
      body: JSON.stringify({ topic: 'plain.latency', data: { round, i } }),
    });
    assert.equal(res.status, 200);
    await reader.next((f) => f.op === 'message' && f.topic === 'plain.latency' && (f.data as { i: number }).i === i, 10_000);
    latencies.push(performance.now() - sent);
  }
  latencies.sort((a, b) => a - b);
  return latencies[Math.floor(latencies.length / 2)] as number;
}

describe('hostile: 25,600 distinct wildcard patterns', { timeout: 180_000 }, () => {
  const clients: WsTestClient[] = [];
  before(async () => {
    node = await startHostileNode('wildcards');
  });
  after(async () => {
    for (const c of clients) c.ws.terminate();
    await node?.stop();
  });

  it('a plain topic keeps its p50 latency (≤ 2× baseline) and every message', async () => {
    const reader = keepAlive(await WsTestClient.connect(node.ws));
    assert.equal((await reader.request({ op: 'subscribe', id: 1, topic: 'plain.latency' })).op, 'ack');
    await plainP50(reader, 0); // warm-up
    const baseline = await plainP50(reader, 1);

    for (let c = 0; c < CLIENTS; c++) {
      const client = keepAlive(await WsTestClient.connect(node.ws));
      clients.push(client);
      for (let i = 0; i < PER_CLIENT; i++) client.send({ op: 'subscribe', id: i + 1, topic: `p${c}.x${i}.*.>` });
    }
    await Promise.all(clients.map((client) => client.collect((f) => f.op === 'ack', PER_CLIENT, 60_000)));
    assert.ok(
      clients.every((client) => client.frames.every((f) => f.op !== 'error')),
      'every pattern accepted',
    );
    // One more is over MAX_PATTERNS_PER_CONNECTION (128).
    const over = await (clients[0] as WsTestClient).request({ op: 'subscribe', id: 999, topic: 'p0.over.*' });
    assert.equal(over.code, 'too_many_subscriptions');

    const loaded = await plainP50(reader, 2);
    // The patterns deliver too: one message matching exactly one client's pattern.
    await fetch(`${node.http}/v1/publish`, { method: 'POST', body: JSON.stringify({ topic: 'p7.x3.a.b', data: 'hit' }) });
    const hit = await (clients[7] as WsTestClient).next((f) => f.op === 'message', 5000);
    assert.equal(hit.topic, 'p7.x3.a.b');
    console.log(
      `# hostile wildcards: plain topic p50 ${baseline.toFixed(2)} ms → ${loaded.toFixed(2)} ms with ${CLIENTS * PER_CLIENT} patterns`,
    );
    // 2× the baseline; 1 ms of slack for timer granularity on a loaded machine (sub-ms baselines).
    assert.ok(loaded <= 2 * baseline + 1, `p50 ${loaded.toFixed(2)} ms vs baseline ${baseline.toFixed(2)} ms`);
    reader.ws.terminate();
    const figures = await node.finish();
    report(`${CLIENTS * PER_CLIENT} distinct wildcard patterns (${CLIENTS} clients)`, figures, `+${RSS_BOUND_MB} MB`);
    assert.ok(figures.peakMb - figures.baselineMb < RSS_BOUND_MB, `RSS grew ${(figures.peakMb - figures.baselineMb).toFixed(0)} MB`);
  });
});
