/**
 * Presence end to end in one process on a memory bus: the all-in-one's edge reporter -> the bus
 * -> its aggregator (and a second replica started late), the HTTP API, user events to a signed
 * webhook and to `$presence.users`, and the reserved topics out of clients' reach.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type AllInOne, startAllInOne } from '@switchboard/all-in-one';
import { MemoryBroker, MemoryBus } from '@switchboard/backends';
import { parseEnv } from '@switchboard/config';
import { createLogger } from '@switchboard/telemetry';
import { requestJson, WebhookReceiver, WsTestClient } from '@switchboard/testkit';
import { presenceSettingsEnv } from '../src/config.js';
import { PresenceService } from '../src/presence-service.js';
import { summaryOf, topicOf, until } from './support.js';

const INTERVAL = 200;
/** Scheduling noise allowed on top of "within one interval" (2 shared cores, other tests running). */
const SLACK = 300;
const SECRET = 'in-process-secret';
const TOPICS = ['room.a', 'room.b', 'room.c', 'room.d', 'room.e'];

describe('presence in one process (memory bus)', { timeout: 30_000 }, () => {
  let bus: MemoryBus;
  let node: AllInOne;
  let hook: WebhookReceiver;
  const clients: WsTestClient[] = [];
  let late: PresenceService | undefined;

  const connect = async () => {
    const client = await WsTestClient.connect(`ws://127.0.0.1:${node.port}/ws`);
    clients.push(client);
    return client;
  };
  /** The edge's session of a client (to give it a user, as auth would). */
  const sessionOf = (client: WsTestClient) => {
    const id = client.frames.find((f) => f.op === 'welcome')?.session;
    const session = [...node.edge.sessions].find((s) => s.id === id);
    assert.ok(session);
    return session;
  };
  const events = () => hook.accepted() as Array<{ id: string; event: string; user: string; at: string }>;

  before(async () => {
    hook = await WebhookReceiver.start();
    bus = new MemoryBus(new MemoryBroker());
    node = await startAllInOne({
      bus,
      env: {
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        NODE_ID: 'edge-a',
        PRESENCE_INTERVAL_MS: String(INTERVAL),
        PRESENCE_WEBHOOK_URL: hook.url,
        PRESENCE_WEBHOOK_SECRET: SECRET,
      },
    });
  });
  after(async () => {
    for (const c of clients) c.ws.terminate();
    await late?.stop();
    await node?.close();
    await bus?.close();
    await hook?.close();
  });

  it('counts connections, subscriptions and subscribers per topic within one interval', async () => {
    for (let i = 0; i < 20; i++) {
      const client = await connect();
      await client.request({ op: 'subscribe', id: 1, topic: TOPICS[i % TOPICS.length] as string });
      if (i < 4) await client.request({ op: 'subscribe', id: 2, topic: 'room.*' });
    }
    const start = Date.now();
    await until(async () => (await summaryOf(node.url)).subscriptions === 24, 'the counts', 3000);
    assert.ok(Date.now() - start <= INTERVAL + SLACK, `converged in ${Date.now() - start} ms`);
    const summary = await summaryOf(node.url);
    assert.equal(summary.connections, 20);
    assert.deepEqual(
      summary.nodes.map((n) => [n.id, n.connections, n.subscriptions, n.synced]),
      [['edge-a', 20, 24, true]],
    );
    assert.ok(!Number.isNaN(Date.parse(summary.nodes[0]?.lastSeen ?? '')));
    assert.deepEqual(await topicOf(node.url, 'room.a'), { topic: 'room.a', subscribers: 4, users: [] });
    assert.equal((await topicOf(node.url, 'room.*')).subscribers, 4);
    assert.equal((await topicOf(node.url, 'nobody.here')).subscribers, 0);
    const top = await requestJson(`${node.url}/v1/presence/topics?top=2`);
    assert.deepEqual(top.body, {
      topics: [
        { topic: 'room.*', subscribers: 4 },
        { topic: 'room.a', subscribers: 4 },
      ],
      count: 6,
    });
    assert.equal((await requestJson(`${node.url}/v1/presence/topics/a..b`)).status, 400);
    assert.equal((await requestJson(`${node.url}/v1/presence/topics?top=0`)).status, 400);
  });

  it('sends online/offline webhooks (signed, with an event id) and publishes them on $presence.users', async () => {
    const watcher = await connect();
    const ack = await watcher.request({ op: 'subscribe', id: 1, topic: '$presence.users' });
    assert.equal(ack.op, 'ack');
    const wildcard = await connect();
    await wildcard.request({ op: 'subscribe', id: 1, topic: '>' });
    const refused = await wildcard.request({ op: 'subscribe', id: 2, topic: '$sb.presence.reports' });
    assert.equal(refused.code, 'bad_topic');
    const [a1, a2, b1] = clients.slice(0, 3) as [WsTestClient, WsTestClient, WsTestClient];
    sessionOf(a1).user = 'alice';
    sessionOf(a2).user = 'alice';
    sessionOf(b1).user = 'bob';
    await hook.until(() => events().length >= 2);
    assert.deepEqual(
      events()
        .map((e) => `${e.event}:${e.user}`)
        .sort(),
      ['online:alice', 'online:bob'],
    );
    for (const request of hook.requests) {
      const expected = `sha256=${createHmac('sha256', SECRET).update(request.body).digest('hex')}`;
      assert.equal(request.headers['x-switchboard-signature'], expected);
      assert.equal(request.headers['x-switchboard-event-id'], JSON.parse(request.body).id);
    }
    const alice = await requestJson(`${node.url}/v1/presence/users/alice`);
    assert.deepEqual(alice.body, { user: 'alice', online: true, topics: ['room.*', 'room.a', 'room.b'] });
    assert.deepEqual((await topicOf(node.url, 'room.a')).users, ['alice']);
    assert.deepEqual((await requestJson(`${node.url}/v1/presence/users/carol`)).body, { user: 'carol', online: false, topics: [] });
    assert.equal((await summaryOf(node.url)).users, 2);

    a1.close();
    await until(async () => (await summaryOf(node.url)).connections === 21, 'a1 gone', 2000);
    assert.equal(events().length, 2, 'alice still has a connection: no event');
    a2.close();
    await hook.until(() => events().length >= 3);
    const offline = events()[2];
    assert.equal(`${offline?.event}:${offline?.user}`, 'offline:alice');

    const published = await watcher.collect((f) => f.op === 'message', 3);
    assert.deepEqual(
      published.map((f) => f.topic),
      ['$presence.users', '$presence.users', '$presence.users'],
    );
    assert.deepEqual(
      published.map((f) => f.data),
      events(),
    );
    assert.deepEqual(wildcard.messages(), [], 'a wildcard never receives reserved topics (reports, events)');
  });

  it('a replica started late converges within one interval, and forgets a node that says bye', async () => {
    const before = await summaryOf(node.url);
    const started = Date.now();
    late = await PresenceService.start({
      bus,
      publisher: null,
      settings: parseEnv(presenceSettingsEnv, { PRESENCE_INTERVAL_MS: String(INTERVAL) }),
      replicaId: 'late',
      log: createLogger({ service: 'presence', nodeId: 'late', level: 'silent' }),
      metrics: null,
    });
    await until(() => late?.aggregator.summary().subscriptions === before.subscriptions, 'the late replica', 2000);
    assert.ok(Date.now() - started <= INTERVAL + SLACK, `converged in ${Date.now() - started} ms`);
    const summary = late.aggregator.summary();
    assert.deepEqual([summary.connections, summary.topics, summary.users], [before.connections, before.topics, before.users]);
    assert.deepEqual(late.aggregator.topic('room.b'), node.presence.aggregator.topic('room.b'));
    assert.ok(node.reporter.stats.syncRequests >= 1);

    await node.reporter.stop();
    assert.deepEqual(late.aggregator.summary().nodes, [], 'bye: gone at once');
  });

  it('serves the dashboard at /presence/ in the all-in-one (the demo page keeps /)', async () => {
    const page = await fetch(`${node.url}/presence/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Switchboard presence/);
    assert.equal((await fetch(`${node.url}/presence/dashboard.js`)).status, 200);
    const redirect = await fetch(`${node.url}/presence`, { redirect: 'manual' });
    assert.equal(redirect.status, 308);
    assert.match(await (await fetch(`${node.url}/`)).text(), /demo/i);
  });
});
