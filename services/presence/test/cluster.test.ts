/**
 * Presence on a real broker: 3 edges + 2 presence replicas as processes on NATS, 1,500
 * authenticated WebSocket connections over 200 topics. Counts match the truth within one
 * interval; a kill -9 of an edge leaves every count within 3 intervals and sends `offline` only
 * for the users that were only on it; reconnected clients count again; both replicas agree.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import {
  type BrokerHandle,
  requestJson,
  type ServiceProcess,
  startCluster,
  startNats,
  type TestCluster,
  WebhookReceiver,
  WsTestClient,
} from '@switchboard/testkit';
import type { PresenceSummary } from '../src/presence-index.js';
import { summaryOf, topicOf, until } from './support.js';

const INTERVAL = 500;
const CONNECTIONS = 1500;
const TOPICS = 200;
/** Connections below this index come in pairs (2j, 2j+1) of one user, always on two different edges. */
const PAIRED = 1200;
const JWT_SECRET = 'presence-cluster-test-secret-0123456789';
const HOOK_SECRET = 'presence-hook-secret';
/** Scheduling noise allowed on top of the interval bounds (2 shared cores, 6 processes, 1,500 sockets); the figures are printed. */
const SLACK = 500;

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function token(sub: string): string {
  const body = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub, subscribe: ['room.>'], exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  return `${body}.${createHmac('sha256', JWT_SECRET).update(body).digest('base64url')}`;
}

interface Conn {
  i: number;
  user: string;
  topic: string;
  edge: number;
  client: WsTestClient;
}

const userOf = (i: number) => (i < PAIRED ? `pair-${Math.floor(i / 2)}` : `solo-${i}`);
const topicOf_ = (i: number) => `room.${i % TOPICS}`;

/** Subscribers per topic, and users per topic, of the given connections. */
function truth(conns: Conn[]) {
  const counts = new Map<string, number>();
  const users = new Map<string, Set<string>>();
  for (const c of conns) {
    counts.set(c.topic, (counts.get(c.topic) ?? 0) + 1);
    const set = users.get(c.topic) ?? new Set();
    set.add(c.user);
    users.set(c.topic, set);
  }
  return { counts, users };
}

async function topCounts(url: string): Promise<Map<string, number>> {
  const res = await requestJson(`${url}/v1/presence/topics?top=1000`);
  const body = res.body as { topics: Array<{ topic: string; subscribers: number }> };
  return new Map(body.topics.map((t) => [t.topic, t.subscribers]));
}

/** The parts of a summary that must be equal on every replica in steady state. */
const totals = (s: PresenceSummary) => ({
  connections: s.connections,
  subscriptions: s.subscriptions,
  topics: s.topics,
  users: s.users,
  nodes: s.nodes.map((n) => [n.id, n.connections, n.subscriptions]),
});

describe('presence on NATS: 3 edges + 2 presence replicas as processes', { timeout: 90_000 }, () => {
  let broker: BrokerHandle;
  let cluster: TestCluster;
  let hook: WebhookReceiver;
  let conns: Conn[] = [];
  let startedAt = 0;

  const events = () =>
    hook.requests.map((r) => JSON.parse(r.body) as { id: string; event: 'online' | 'offline'; user: string; at: string });

  async function open(i: number, edge: number): Promise<Conn> {
    const user = userOf(i);
    const topic = topicOf_(i);
    const target = cluster.edges[edge] as ServiceProcess;
    const client = await WsTestClient.connect(`${target.wsUrl}?token=${token(user)}`);
    const ack = await client.request({ op: 'subscribe', id: 1, topic }, 10_000);
    assert.equal(ack.op, 'ack', JSON.stringify(ack));
    return { i, user, topic, edge, client };
  }

  async function openAll(specs: Array<[number, number]>): Promise<Conn[]> {
    const out: Conn[] = [];
    for (let k = 0; k < specs.length; k += 100) out.push(...(await Promise.all(specs.slice(k, k + 100).map(([i, e]) => open(i, e)))));
    return out;
  }

  /**
   * The replica's per-topic counts equal the truth within one report interval (plus the slack
   * for a loaded machine): edges report the subscriptions their clients made since the last tick.
   */
  async function expectTruth(replica: ServiceProcess, live: Conn[]) {
    const { counts, users } = truth(live);
    const deadline = Date.now() + INTERVAL + SLACK;
    let seen = await topCounts(replica.url);
    while (!isDeepStrictEqual(seen, counts) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await topCounts(replica.url);
    }
    assert.deepEqual(seen, counts);
    for (const topic of ['room.0', 'room.7', 'room.199']) {
      assert.deepEqual(await topicOf(replica.url, topic), {
        topic,
        subscribers: counts.get(topic) ?? 0,
        users: [...(users.get(topic) ?? [])].sort(),
      });
    }
  }

  before(async () => {
    broker = await startNats();
    hook = await WebhookReceiver.start();
    cluster = await startCluster({
      busUrl: broker.url,
      edges: 3,
      presence: 2,
      env: {
        BUS_PREFIX: `p${process.pid}`,
        HISTORY_SIZE: '0',
        AUTH_JWT_SECRET: JWT_SECRET,
        PRESENCE_INTERVAL_MS: String(INTERVAL),
        PRESENCE_WEBHOOK_URL: hook.url,
        PRESENCE_WEBHOOK_SECRET: HOOK_SECRET,
        MAX_CONNECTIONS: '0',
      },
    });
    startedAt = Date.now();
  });
  after(async () => {
    for (const c of conns) c.client.ws.terminate();
    await cluster?.stop();
    await broker?.stop();
    await hook?.close();
  });

  it(`counts ${CONNECTIONS} connections over ${TOPICS} topics within one interval, on both replicas alike`, async () => {
    // Past the replicas' start-up quiet time (2 intervals), so every user's arrival is an event.
    await new Promise((r) => setTimeout(r, Math.max(0, startedAt + 2 * INTERVAL - Date.now())));
    conns = await openAll(Array.from({ length: CONNECTIONS }, (_, i): [number, number] => [i, i % 3]));
    const settled = Date.now();
    const [p1, p2] = cluster.presence as [ServiceProcess, ServiceProcess];
    await until(async () => (await summaryOf(p1.url)).subscriptions === CONNECTIONS, 'replica 1 to count every subscription', 5000);
    const took = Date.now() - settled;
    console.log(`presence cluster: counts converged ${took} ms after the last subscribe (interval ${INTERVAL} ms)`);
    assert.ok(took <= INTERVAL + SLACK, `converged in ${took} ms`);
    const s1 = await summaryOf(p1.url);
    assert.equal(s1.connections, CONNECTIONS);
    assert.deepEqual(
      s1.nodes.map((n) => [n.id, n.connections]),
      [
        ['edge-1', 500],
        ['edge-2', 500],
        ['edge-3', 500],
      ],
    );
    assert.equal(s1.users, PAIRED / 2 + (CONNECTIONS - PAIRED));
    await expectTruth(p1, conns);
    await until(async () => JSON.stringify(totals(await summaryOf(p2.url))) === JSON.stringify(totals(s1)), 'replica 2 to agree', 2000);
    await expectTruth(p2, conns);

    const users = new Set(conns.map((c) => c.user));
    await hook.until((r) => new Set(r.map((x) => JSON.parse(x.body).user)).size === users.size && r.length >= 2 * users.size, 10_000);
    const online = events().filter((e) => e.event === 'online');
    assert.equal(new Set(online.map((e) => e.user)).size, users.size);
    // Both replicas saw the same reports: the same event (same id) from each, so receivers dedupe.
    const idsPerUser = new Map<string, Set<string>>();
    for (const e of online) idsPerUser.set(e.user, (idsPerUser.get(e.user) ?? new Set()).add(e.id));
    assert.ok(
      [...idsPerUser.values()].every((ids) => ids.size === 1),
      'one event id per user across replicas',
    );
    for (const r of hook.requests) {
      assert.equal(r.headers['x-switchboard-signature'], `sha256=${createHmac('sha256', HOOK_SECRET).update(r.body).digest('hex')}`);
    }
    const metrics = await (await fetch(`${p1.url}/metrics`)).text();
    assert.match(metrics, /switchboard_presence_nodes\{[^}]*\} 3/);
  });

  it('kill -9 of an edge: its connections leave every count within 3 intervals; only its own users go offline', async () => {
    const [p1, p2] = cluster.presence as [ServiceProcess, ServiceProcess];
    const before = hook.requests.length;
    const killed = cluster.edges[2] as ServiceProcess;
    const killedAt = Date.now();
    await killed.kill();
    const survivors = conns.filter((c) => c.edge !== 2);
    await until(async () => (await summaryOf(p1.url)).connections === survivors.length, 'replica 1 to drop edge-3', 4 * INTERVAL + 1000);
    const took = Date.now() - killedAt;
    console.log(`presence cluster: a killed edge left the counts after ${took} ms (3 intervals = ${3 * INTERVAL} ms)`);
    assert.ok(took <= 3 * INTERVAL + SLACK, `dropped after ${took} ms`);
    await until(async () => (await summaryOf(p2.url)).connections === survivors.length, 'replica 2 to drop edge-3', 1000);
    for (const replica of [p1, p2]) {
      const s = await summaryOf(replica.url);
      assert.deepEqual(
        s.nodes.map((n) => n.id),
        ['edge-1', 'edge-2'],
      );
      await expectTruth(replica, survivors);
    }
    // Users only on edge-3: the solo users it held. Paired users have their other connection elsewhere.
    const onlyThere = new Set(conns.filter((c) => c.edge === 2 && c.i >= PAIRED).map((c) => c.user));
    await hook.until(
      () =>
        new Set(
          events()
            .slice(before)
            .map((e) => e.user),
        ).size === onlyThere.size,
      10_000,
    );
    await new Promise((r) => setTimeout(r, INTERVAL));
    const later = events().slice(before);
    assert.ok(
      later.every((e) => e.event === 'offline'),
      'only offline events',
    );
    assert.deepEqual(new Set(later.map((e) => e.user)), onlyThere);
    assert.equal(new Set(later.map((e) => e.id)).size, onlyThere.size, 'one id per user across both replicas');
  });

  it('clients that reconnect elsewhere are counted again; replicas agree in steady state', async () => {
    const [p1, p2] = cluster.presence as [ServiceProcess, ServiceProcess];
    const before = hook.requests.length;
    const lost = conns.filter((c) => c.edge === 2);
    for (const c of lost) c.client.ws.terminate();
    const back = await openAll(lost.map((c, k): [number, number] => [c.i, k % 2]));
    conns = [...conns.filter((c) => c.edge !== 2), ...back];
    const settled = Date.now();
    await until(async () => (await summaryOf(p1.url)).connections === CONNECTIONS, 'replica 1 to count the reconnected clients', 5000);
    const took = Date.now() - settled;
    assert.ok(took <= INTERVAL + SLACK, `converged in ${took} ms`);
    await until(
      async () => JSON.stringify(totals(await summaryOf(p2.url))) === JSON.stringify(totals(await summaryOf(p1.url))),
      'replicas to agree',
      2000,
    );
    for (const replica of [p1, p2]) await expectTruth(replica, conns);
    const s = await summaryOf(p1.url);
    assert.deepEqual(
      s.nodes.map((n) => [n.id, n.connections]),
      [
        ['edge-1', 750],
        ['edge-2', 750],
      ],
    );
    const onlyThere = new Set(lost.filter((c) => c.i >= PAIRED).map((c) => c.user));
    await hook.until(() => events().slice(before).length >= 2 * onlyThere.size, 10_000);
    const again = events().slice(before);
    assert.ok(again.every((e) => e.event === 'online'));
    assert.deepEqual(new Set(again.map((e) => e.user)), onlyThere);
  });
});
