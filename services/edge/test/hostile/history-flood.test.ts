import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type HostileNode, report, startHostileNode } from './harness.js';

/**
 * The memory history's global bound: 5 publishers flood distinct topics with 60 KB messages
 * for 20 s or 2,000 batches of 10 (1.2 GB), whichever ends first, and at least 3× the bound.
 * With HISTORY_MAX_BYTES=64MiB the node's RSS must grow by less than 64 MB + 100 MB, the oldest
 * messages across topics being dropped, while the watcher (whose topic is published
 * throughout) gets every message in order. The peak must not depend on the flood's speed: see
 * docs/security.md for what keeps the publish path from piling up garbage.
 */

const PUBLISHERS = 5;
const FLOOD_MS = 20_000;
const MAX_BATCHES = 2_000;
const PAYLOAD = 'y'.repeat(60_000);
const RSS_BOUND_MB = 64 + 100;

let node: HostileNode;

describe('hostile: history flood with HISTORY_MAX_BYTES=64MiB', { timeout: 120_000 }, () => {
  before(async () => {
    node = await startHostileNode('history', { env: { HISTORY_MAX_BYTES: '64MiB', HISTORY_SIZE: '100' } });
  });
  after(() => node?.stop());

  it(`RSS grows < ${RSS_BOUND_MB} MB; history keeps serving the newest messages`, async () => {
    const until = Date.now() + FLOOD_MS;
    let batches = 0;
    let topic = 0;
    const publisher = async (p: number) => {
      while (Date.now() < until && batches < MAX_BATCHES) {
        batches++;
        const messages = Array.from({ length: 10 }, () => ({ topic: `flood.p${p}.t${topic++}`, data: PAYLOAD }));
        const res = await fetch(`${node.http}/v1/publish/batch`, { method: 'POST', body: JSON.stringify({ messages }) });
        assert.equal(res.status, 200, await res.text());
      }
    };
    await Promise.all(Array.from({ length: PUBLISHERS }, (_, p) => publisher(p)));
    const floodedMb = (batches * 10 * PAYLOAD.length) / 1e6;
    assert.ok(floodedMb > 3 * 64 * 1.048576, `flooded only ${floodedMb.toFixed(0)} MB`);
    // The newest topic is still readable; the first ones were dropped for the bound.
    const newest = await (await fetch(`${node.http}/v1/topics/flood.p0.t${topic - 1}/history`)).text();
    const oldest = (await (await fetch(`${node.http}/v1/topics/flood.p0.t0/history`)).json()) as { offset: number; messages: unknown[] };
    assert.equal(oldest.offset, 1);
    assert.equal(oldest.messages.length, 0, 'the oldest message was dropped');
    assert.ok(newest.length > 0);
    const figures = await node.finish();
    report(
      `history flood (${floodedMb.toFixed(0)} MB of 60 KB messages on ${topic} topics, HISTORY_MAX_BYTES=64MiB)`,
      figures,
      `+${RSS_BOUND_MB} MB`,
    );
    assert.ok(figures.peakMb - figures.baselineMb < RSS_BOUND_MB, `RSS grew ${(figures.peakMb - figures.baselineMb).toFixed(0)} MB`);
  });
});
