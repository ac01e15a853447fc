import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { browserLikeWebSocket, type HaproxyHandle, startCluster, startHaproxy, type TestCluster } from '@switchboard/testkit';

/** Opens one connection with the given browser-like class and returns the node that welcomed it. */
async function welcomeNode(WebSocketClass: ReturnType<typeof browserLikeWebSocket>, url: string): Promise<string> {
  const ws = new WebSocketClass(url);
  const node = await new Promise<string>((resolve, reject) => {
    ws.once('message', (data) => resolve(String(JSON.parse(data.toString()).node)));
    ws.once('error', reject);
  });
  ws.close();
  return node;
}

describe('d: stickiness through HAProxy on the sb_node cookie', { timeout: 60_000 }, () => {
  let cluster: TestCluster;
  let lb: HaproxyHandle;
  before(async () => {
    cluster = await startCluster({ busUrl: 'memory://', edges: 3, env: { DRAIN_NOTICE_MS: '0', DRAIN_TIMEOUT_MS: '500' } });
    lb = await startHaproxy(cluster.edges.map((e) => ({ name: e.name, port: e.port })));
  });
  after(async () => {
    await lb?.stop();
    await cluster?.stop();
  });

  it('brings a reconnecting client back to its edge while that edge is up', async () => {
    const browsers = Array.from({ length: 6 }, () => browserLikeWebSocket());
    const first = await Promise.all(browsers.map((b) => welcomeNode(b, lb.wsUrl)));
    assert.ok(new Set(first).size > 1, `leastconn spreads new clients: ${first.join(',')}`);
    for (let round = 0; round < 4; round++) {
      const again = await Promise.all(browsers.map((b) => welcomeNode(b, lb.wsUrl)));
      assert.deepEqual(again, first, `round ${round}: every client back on its own edge`);
    }
    for (const [i, b] of browsers.entries()) assert.equal(b.cookies.get('sb_node'), first[i]);
  });

  it('sends a client whose edge is down to another edge, which then keeps it', async () => {
    const browser = browserLikeWebSocket();
    const home = await welcomeNode(browser, lb.wsUrl);
    const edge = cluster.edges.find((e) => e.name === home);
    assert.ok(edge);
    await edge.kill();
    const away = await welcomeNode(browser, lb.wsUrl);
    assert.notEqual(away, home);
    assert.equal(browser.cookies.get('sb_node'), away);
    assert.equal(await welcomeNode(browser, lb.wsUrl), away);
    await edge.start();
  });
});
