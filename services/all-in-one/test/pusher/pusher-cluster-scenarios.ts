/**
 * The Pusher layer on a real cluster (run once per broker): 2 edges + api + presence as
 * processes, HAProxy in front, unmodified pusher-js clients and the official pusher library.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BrokerHandle, type HaproxyHandle, startCluster, startHaproxy, type TestCluster } from '@switchboard/testkit';
import type PusherJs from 'pusher-js';
import { APP, authEndpoint, collect, PUSHER_APPS, pusherJs, pusherServer, subscribed, until } from './pusher-kit.js';

const INTERVAL_MS = 500;
/** Scheduling noise on 2 shared cores with 5 processes; the measured figures are printed. */
const SLACK_MS = 1500;

type Members = { count: number; each(f: (m: { id: string }) => void): void };
type PresenceChannel = { members: Members; bind: PusherJs['bind'] };
const idsOf = (channel: PresenceChannel) => {
  const ids: string[] = [];
  channel.members.each((m) => ids.push(m.id));
  return ids.sort().join(',');
};

export function runPusherClusterScenarios(name: string, startBroker: () => Promise<BrokerHandle>): void {
  describe(`pusher on ${name}: 2 edges + api + presence, HAProxy`, { timeout: 240_000 }, () => {
    let broker: BrokerHandle;
    let cluster: TestCluster;
    let lb: HaproxyHandle;
    const clients: PusherJs[] = [];
    const auths: Array<{ close(): void }> = [];
    const member = async (edgeUrl: string, id: string) => {
      const auth = await authEndpoint(pusherServer(cluster.api.url));
      auth.user = { id, name: id };
      auths.push(auth.server);
      const client = await pusherJs(edgeUrl, { authUrl: auth.url });
      clients.push(client);
      return client;
    };

    before(async () => {
      broker = await startBroker();
      cluster = await startCluster({
        busUrl: broker.url,
        edges: 2,
        presence: 1,
        startTimeoutMs: 90_000,
        env: { BUS_PREFIX: `p${process.pid}`, PUSHER_APPS, PRESENCE_INTERVAL_MS: String(INTERVAL_MS) },
      });
      lb = await startHaproxy(cluster.edges.map((e) => ({ name: e.name, port: e.port })));
    });

    after(async () => {
      for (const c of clients) c.disconnect();
      for (const a of auths) a.close();
      await lb?.stop();
      await cluster?.stop();
      await broker?.stop();
    });

    it('pusher-js on edge A and on edge B receive what the pusher library triggers through the api', async () => {
      const [edgeA, edgeB] = cluster.edges;
      assert.ok(edgeA !== undefined && edgeB !== undefined);
      const a = await member(edgeA.url, 'a');
      const b = await member(edgeB.url, 'b');
      const gotA = collect(await subscribed(a, 'orders'), 'placed');
      const gotB = collect(await subscribed(b, 'private-orders'), 'placed');
      const lib = pusherServer(cluster.api.url);
      await lib.trigger('orders', 'placed', { n: 1 });
      await lib.trigger('private-orders', 'placed', { n: 2 });
      await until(() => gotA.length === 1 && gotB.length === 1, 'both events', 10_000);
      assert.deepEqual([gotA[0], gotB[0]], [{ n: 1 }, { n: 2 }]);

      const wrong = await authEndpoint(pusherServer(cluster.api.url, { ...APP, secret: 'not-the-secret' }));
      auths.push(wrong.server);
      const c = await pusherJs(edgeA.url, { authUrl: wrong.url });
      clients.push(c);
      const codes: number[] = [];
      c.connection.bind('error', (e: { data?: { code?: number } }) => codes.push(e.data?.code ?? 0));
      await assert.rejects(subscribed(c, 'private-orders'), /AuthError/);
      await until(() => codes.includes(4009), 'pusher:error 4009', 5000);
    });

    it('a presence member list is the same on both edges within one interval, and drops a member whose edge is killed', async () => {
      const [edgeA, edgeB] = cluster.edges;
      assert.ok(edgeA !== undefined && edgeB !== undefined);
      const ann = (await subscribed(await member(edgeA.url, 'ann'), 'presence-lobby')) as unknown as PresenceChannel;
      const joined = Date.now();
      const bob = (await subscribed(await member(edgeB.url, 'bob'), 'presence-lobby')) as unknown as PresenceChannel;
      // Through the load balancer too (either edge).
      const cat = (await subscribed(await member(lb.url, 'cat'), 'presence-lobby')) as unknown as PresenceChannel;
      await until(() => [ann, bob, cat].every((ch) => idsOf(ch) === 'ann,bob,cat'), 'the same list everywhere', INTERVAL_MS + SLACK_MS);
      console.log(`# member lists agreed ${Date.now() - joined} ms after the first join (interval ${INTERVAL_MS} ms)`);

      const removed: string[] = [];
      ann.bind('pusher:member_removed', (m: { id: string }) => removed.push(m.id));
      const killed = Date.now();
      await edgeB.kill();
      // bob was on edge B (cat may have been too, by HAProxy's choice).
      await until(() => removed.includes('bob'), 'bob removed after edge B died', 3 * INTERVAL_MS + SLACK_MS + 1000);
      console.log(`# bob dropped ${Date.now() - killed} ms after kill -9 of his edge (bound: 3 intervals = ${3 * INTERVAL_MS} ms)`);
      assert.ok(!idsOf(ann).includes('bob'));
    });
  });
}
