/**
 * The Pusher layer on a real cluster (run once per broker): 2 edges + api + presence as
 * processes, HAProxy in front, unmodified pusher-js clients and the official pusher library.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BrokerHandle, type HaproxyHandle, startCluster, startHaproxy, type TestCluster, WebhookReceiver } from '@switchboard/testkit';
import type PusherJs from 'pusher-js';
import {
  APP,
  appsFile,
  authEndpoint,
  collect,
  memberClient,
  named,
  type Opened,
  OTHER_APP,
  pusherJs,
  pusherServer,
  subscribed,
  until,
  webhookEvents,
} from './pusher-kit.js';

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
    let hook: WebhookReceiver;
    const opened: Opened = { clients: [], servers: [] };
    const { clients, servers: auths } = opened;
    const member = (edgeUrl: string, id: string) => memberClient(edgeUrl, cluster.api.url, id, opened);

    before(async () => {
      broker = await startBroker();
      hook = await WebhookReceiver.start();
      const PUSHER_APPS = appsFile([{ ...APP, clientEvents: true, webhooks: [hook.url] }, OTHER_APP]);
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
      await hook?.close();
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

    it('webhooks once per cluster: occupied/vacated over two edges, member_added/removed, client_event from edge B', async () => {
      const [edgeA, edgeB] = cluster.edges;
      assert.ok(edgeA !== undefined && edgeB !== undefined);
      const lib = pusherServer(cluster.api.url);
      const events = () => webhookEvents(hook, lib);
      const settle = () => new Promise((r) => setTimeout(r, 3 * INTERVAL_MS));
      // A presence replica announces nothing during its first 2 intervals (it is learning what
      // exists); it is ready after 1, and the test before may have taken less than the rest.
      await new Promise((r) => setTimeout(r, 2 * INTERVAL_MS));
      const [x, y] = [await member(edgeA.url, 'x'), await member(edgeB.url, 'y')];
      const subscribedAt = Date.now();
      await subscribed(x, 'ticker');
      await subscribed(y, 'ticker');
      await until(() => named(events(), 'channel_occupied', 'ticker').length > 0, 'channel_occupied', INTERVAL_MS + SLACK_MS);
      console.log(`# channel_occupied ${Date.now() - subscribedAt} ms after the first subscribe (interval ${INTERVAL_MS} ms)`);

      // The standalone api answers channel queries from the presence service, over the bus.
      const [pa, qb] = [await member(edgeA.url, 'pa'), await member(edgeB.url, 'qb')];
      await subscribed(pa, 'presence-hooks');
      const chQ = await subscribed(qb, 'presence-hooks');
      const expectUsers = async () => {
        const users = await lib.get({ path: '/channels/presence-hooks/users' });
        return users.status === 200 && JSON.stringify(await users.json()) === JSON.stringify({ users: [{ id: 'pa' }, { id: 'qb' }] });
      };
      const deadline = Date.now() + INTERVAL_MS + SLACK_MS;
      while (!(await expectUsers())) {
        assert.ok(Date.now() < deadline, 'the api lists both members');
        await new Promise((r) => setTimeout(r, 50));
      }
      const list = await lib.get({ path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count,subscription_count' } });
      assert.deepEqual(await list.json(), { channels: { 'presence-hooks': { user_count: 2, subscription_count: 2 } } });
      const one = await lib.get({ path: '/channels/ticker', params: { info: 'subscription_count' } });
      assert.deepEqual(await one.json(), { occupied: true, subscription_count: 2 });
      const none = await lib.get({ path: '/channels/nobody-here', params: { info: 'subscription_count' } });
      assert.deepEqual(await none.json(), { occupied: false, subscription_count: 0 });
      const all = (await (await lib.get({ path: '/channels' })).json()) as { channels: Record<string, object> };
      assert.ok('ticker' in all.channels && 'presence-hooks' in all.channels && !('nobody-here' in all.channels));

      const qbSocket = qb.connection.socket_id;
      chQ.trigger('client-wave', { hi: 1 });
      await until(() => named(events(), 'client_event').length === 1, 'client_event', 5000);
      x.unsubscribe('ticker');
      y.unsubscribe('ticker');
      qb.disconnect();
      await until(() => named(events(), 'channel_vacated', 'ticker').length > 0, 'channel_vacated', INTERVAL_MS + SLACK_MS);
      await until(() => named(events(), 'member_removed', 'presence-hooks').length > 0, 'member_removed', INTERVAL_MS + SLACK_MS);
      await settle();
      const got = events();
      assert.deepEqual(named(got, 'channel_occupied', 'ticker'), ['ticker'], 'once, though both edges have a subscriber');
      assert.deepEqual(named(got, 'channel_vacated', 'ticker'), ['ticker']);
      assert.deepEqual(
        named(got, 'member_added', 'presence-hooks').sort(),
        ['presence-hooks:pa', 'presence-hooks:qb'],
        'reports of two edges: any order',
      );
      assert.deepEqual(named(got, 'member_removed', 'presence-hooks'), ['presence-hooks:qb']);
      assert.deepEqual(
        got.filter((e) => e.name === 'client_event'),
        [
          {
            name: 'client_event',
            channel: 'presence-hooks',
            event: 'client-wave',
            data: '{"hi":1}',
            socket_id: qbSocket,
            user_id: 'qb',
          },
        ],
      );
    });

    it('cache channels read their last event from the shared history on any edge', async () => {
      const [edgeA, edgeB] = cluster.edges;
      assert.ok(edgeA !== undefined && edgeB !== undefined);
      const lib = pusherServer(cluster.api.url);
      await lib.trigger('cache-quote', 'q', { v: 1 });
      await lib.trigger('cache-quote', 'q', { v: 2 });
      for (const edge of [edgeA, edgeB]) {
        const c = await member(edge.url, 'reader');
        const got: Array<[string, unknown]> = [];
        c.subscribe('cache-quote').bind_global((event: string, data: unknown) => {
          if (!event.startsWith('pusher:subscription_')) got.push([event, data]);
        });
        const miss = collect(c.subscribe('cache-empty'), 'pusher:cache_miss');
        await until(() => got.length === 1 && miss.length === 1, `the cached event and a cache miss on ${edge.name}`, 5000);
        assert.deepEqual(got, [['q', { v: 2 }]]);
      }
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
