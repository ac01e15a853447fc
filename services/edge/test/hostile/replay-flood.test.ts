import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WsTestClient } from '@switchboard/testkit';
import { WebSocket } from 'ws';
import { type HostileNode, report, startHostileNode, until } from './harness.js';

/**
 * Replay against the send budget: clients that never read their sockets loop `subscribe` with
 * `since: {offset: 0}` / `unsubscribe` on a topic holding 100 × 60 KB messages (6 MB of replay
 * per subscribe), at ~90 frames/s each (under the rate limit). Replays are paced by the socket
 * (pages, low-water mark), so nothing piles up in the server, and each attacker is cut with 4008
 * (SEND_STALL_TIMEOUT_MS). Meanwhile a well-behaved client replays the same 6 MB in full, in
 * order, and the watcher gets every live message.
 */

const ATTACKERS = 40;
const MESSAGES = 100;
const PAYLOAD = 'x'.repeat(60_000);
/** The bound: a paused replaying client must not grow the server by 150 MB. */
const RSS_BOUND_MB = 150;

let node: HostileNode;

/** A client that reads its welcome, then never reads again and loops subscribe-with-since/unsubscribe. */
function pausedReplayer(url: string, stopAt: number): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('error', () => undefined);
    ws.once('message', () => {
      (ws as unknown as { _socket: Socket })._socket.pause();
      let id = 0;
      const loop = setInterval(() => {
        if (ws.readyState !== ws.OPEN || Date.now() > stopAt) {
          clearInterval(loop);
          ws.terminate();
          resolve();
          return;
        }
        ws.send(JSON.stringify({ op: 'subscribe', id: ++id, topic: 'replay.big', since: { offset: 0 } }));
        ws.send(JSON.stringify({ op: 'unsubscribe', id: ++id, topic: 'replay.big' }));
      }, 22);
    });
  });
}

describe('hostile: paused clients looping subscribe-with-since', { timeout: 120_000 }, () => {
  before(async () => {
    node = await startHostileNode('replay', { env: { MAX_MESSAGE_BYTES: '65536', SEND_STALL_TIMEOUT_MS: '3000' } });
    for (let i = 0; i < MESSAGES; i += 10) {
      const messages = Array.from({ length: 10 }, (_, j) => ({ topic: 'replay.big', data: { i: i + j + 1, pad: PAYLOAD } }));
      const res = await fetch(`${node.http}/v1/publish/batch`, { method: 'POST', body: JSON.stringify({ messages }) });
      assert.equal(res.status, 200, await res.text());
    }
  });
  after(() => node?.stop());

  it(`${ATTACKERS} paused replayers are cut with 4008; RSS grows < ${RSS_BOUND_MB} MB; an honest replay and the watcher get everything`, async () => {
    const slowBefore = await node.metric('switchboard_edge_slow_consumer_closes_total');
    const stopAt = Date.now() + 45_000;
    const attackers = Array.from({ length: ATTACKERS }, () => pausedReplayer(node.ws, stopAt));
    // An honest client replays the same window while the attack runs.
    const honest = await WsTestClient.connect(node.ws);
    const ack = await honest.request({ op: 'subscribe', id: 1, topic: 'replay.big', since: { offset: 0 } });
    assert.equal(ack.recovered, true);
    const replayed = await honest.collect((f) => f.op === 'message' && f.topic === 'replay.big', MESSAGES, 30_000);
    assert.deepEqual(
      replayed.map((m) => m.offset),
      Array.from({ length: MESSAGES }, (_, i) => i + 1),
    );
    honest.ws.terminate();
    let cut = 0;
    await until(
      async () => {
        cut = (await node.metric('switchboard_edge_slow_consumer_closes_total')) - slowBefore;
        return cut >= ATTACKERS;
      },
      'every attacker cut as a slow consumer',
      40_000,
    ).catch(async (err: Error) => {
      const rate = await node.metric('switchboard_edge_rate_limit_closes_total');
      throw new Error(
        `${err.message}: ${cut} cut with 4008, ${rate} with 4029, ${await node.metric('switchboard_edge_connections')} connected`,
      );
    });
    const cutAfterMs = 45_000 - (stopAt - Date.now());
    await Promise.all(attackers.map((a) => Promise.race([a, new Promise((r) => setTimeout(r, 1))])));
    const figures = await node.finish();
    report(
      `${ATTACKERS} paused replayers (6 MB window each), all cut 4008 within ${(cutAfterMs / 1000).toFixed(1)} s`,
      figures,
      `+${RSS_BOUND_MB} MB`,
    );
    assert.ok(figures.peakMb - figures.baselineMb < RSS_BOUND_MB, `RSS grew ${(figures.peakMb - figures.baselineMb).toFixed(0)} MB`);
  });
});
