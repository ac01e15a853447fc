import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AllInOne, startAllInOne } from '@switchboard/all-in-one';
import { MemoryBroker, MemoryBus, MemoryHistory } from '@switchboard/backends';
import { type HaproxyHandle, startHaproxy } from '@switchboard/testkit';

interface PollBody {
  messages: { topic: string; offset: number; data: number }[];
  positions: Record<string, { offset: number | null }>;
}

/**
 * Long-polling is stateless: behind a real HAProxy without the `sb_node` cookie, consecutive polls
 * of one client land on different edges, and nothing is lost or repeated because each poll's
 * `since` (the previous answer's positions) is answered from the shared history. The two edges
 * run in this process on one broker and one history (the cluster suites cover real brokers).
 */
describe('long-polling through HAProxy without stickiness (2 edges)', { timeout: 60_000 }, () => {
  const broker = new MemoryBroker();
  const history = new MemoryHistory({ size: 1000, ttlMs: 300_000 });
  const edges: AllInOne[] = [];
  let lb: HaproxyHandle;
  before(async () => {
    for (const id of ['edge-1', 'edge-2']) {
      const env = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', NODE_ID: id, DRAIN_NOTICE_MS: '0', HISTORY_SIZE: '1000' };
      edges.push(await startAllInOne({ bus: new MemoryBus(broker), history, env }));
    }
    lb = await startHaproxy(edges.map((e) => ({ name: e.edge.nodeId, port: e.port })));
  });
  after(async () => {
    await lb?.stop();
    for (const edge of edges) await edge.close();
    await history.close();
  });

  it('two pollers receive every message exactly once, in order, answered by both edges', async () => {
    const TOTAL = 60;
    let publishing = true;
    const poller = async () => {
      const got: number[] = [];
      const nodes = new Set<string>();
      let since = 'lb.t:0';
      const deadline = Date.now() + 40_000;
      while ((publishing || got.length < TOTAL) && Date.now() < deadline) {
        const res = await fetch(`${lb.url}/poll?topics=lb.t&since=${since}&wait=1000`);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('set-cookie'), null);
        nodes.add(res.headers.get('x-switchboard-node') ?? '?');
        const body = (await res.json()) as PollBody;
        got.push(...body.messages.map((m) => m.data));
        since = `lb.t:${body.positions['lb.t']?.offset ?? 0}`;
      }
      return { got, nodes };
    };
    const pollers = [poller(), poller()];
    const publisher = edges[0]?.edge.publisher;
    assert.ok(publisher);
    for (let n = 1; n <= TOTAL; n++) {
      await publisher.publish('lb.t', JSON.stringify(n));
      await new Promise((r) => setTimeout(r, n % 3 === 0 ? 30 : 3));
    }
    publishing = false;
    const expected = Array.from({ length: TOTAL }, (_, i) => i + 1);
    const results = await Promise.all(pollers);
    for (const { got } of results) assert.deepEqual(got, expected);
    const nodes = new Set(results.flatMap((r) => [...r.nodes]));
    assert.deepEqual([...nodes].sort(), ['edge-1', 'edge-2'], 'polls were answered by both edges');
  });
});
