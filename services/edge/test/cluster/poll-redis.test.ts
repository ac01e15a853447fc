import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type BrokerHandle,
  type HaproxyHandle,
  requestJson,
  startCluster,
  startHaproxy,
  startRedis,
  type TestCluster,
} from '@switchboard/testkit';

interface PollBody {
  messages: { topic: string; offset: number; data: number }[];
  positions: Record<string, { offset: number | null }>;
}

/**
 * Long-polling across edge processes on Redis (Streams history), behind HAProxy without the
 * `sb_node` cookie: consecutive polls land on different edges and nothing is lost or repeated.
 */
describe('long-polling: 2 edge processes on Redis behind HAProxy, no stickiness', { timeout: 90_000 }, () => {
  let broker: BrokerHandle;
  let cluster: TestCluster;
  let lb: HaproxyHandle;
  before(async () => {
    broker = await startRedis();
    cluster = await startCluster({ busUrl: broker.url, edges: 2, env: { BUS_PREFIX: `poll${process.pid}`, HISTORY_SIZE: '1000' } });
    lb = await startHaproxy(cluster.edges.map((e) => ({ name: e.name, port: e.port })));
  });
  after(async () => {
    await lb?.stop();
    await cluster?.stop();
    await broker?.stop();
  });

  it('two pollers receive every message exactly once, in order, answered by both edges', async () => {
    const TOTAL = 60;
    let publishing = true;
    const poller = async () => {
      const got: number[] = [];
      const nodes = new Set<string>();
      let since = 'lb.t:0';
      const deadline = Date.now() + 60_000;
      while ((publishing || got.length < TOTAL) && Date.now() < deadline) {
        const res = await fetch(`${lb.url}/poll?topics=lb.t&since=${since}&wait=1000`);
        assert.equal(res.status, 200);
        nodes.add(res.headers.get('x-switchboard-node') ?? '?');
        const body = (await res.json()) as PollBody;
        got.push(...body.messages.map((m) => m.data));
        since = `lb.t:${body.positions['lb.t']?.offset ?? 0}`;
      }
      return { got, nodes };
    };
    const pollers = [poller(), poller()];
    for (let n = 1; n <= TOTAL; n++) {
      const res = await requestJson(`${cluster.api.url}/v1/publish`, { body: { topic: 'lb.t', data: n } });
      assert.equal(res.status, 200);
      await new Promise((r) => setTimeout(r, n % 3 === 0 ? 30 : 3));
    }
    publishing = false;
    const expected = Array.from({ length: TOTAL }, (_, i) => i + 1);
    const results = await Promise.all(pollers);
    for (const { got } of results) assert.deepEqual(got, expected);
    assert.deepEqual([...new Set(results.flatMap((r) => [...r.nodes]))].sort(), ['edge-1', 'edge-2']);
  });
});
