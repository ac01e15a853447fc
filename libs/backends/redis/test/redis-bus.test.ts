import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bus, BusState } from '@switchboard/bus';
import { BusUnavailableError, UnsupportedPatternError } from '@switchboard/bus';
import { runBusConformance } from '@switchboard/bus/conformance';
import { type BrokerHandle, startRedis, startRedisCluster } from '@switchboard/testkit';
import { Cluster } from 'ioredis';
import { RedisBus } from '../redis-bus.js';
import { parseRedisUrl } from '../redis-client.js';
import { redisChannel, redisPatternGlob, redisTopicOfChannel } from '../redis-keys.js';
import { redisKeySlot } from '../redis-slot.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let unique = 0;
const fresh = () => `rbus${process.pid}x${Date.now().toString(36)}x${unique++}`;

/** One broker per mode, started once and shared by the suites of this file. */
let redis: Promise<BrokerHandle> | undefined;
let cluster: Promise<BrokerHandle> | undefined;
const plainBroker = () => {
  redis ??= startRedis();
  return redis;
};
const clusterBroker = () => {
  cluster ??= startRedisCluster({ masters: 3 });
  return cluster;
};
after(async () => {
  await (await redis)?.stop();
  await (await cluster)?.stop();
});

runBusConformance('redis', async () => {
  const broker = await plainBroker();
  return { createBus: (options) => RedisBus.connect(broker.url, options), outage: broker };
});

runBusConformance('redis-cluster', async () => {
  const broker = await clusterBroker();
  return { createBus: (options) => RedisBus.connect(broker.url, options), wildcards: false, outage: broker };
});

/** Waits (bounded) until `check` holds. */
async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Publishes until the subscriber got `marker` (a subscription just restored may miss the first). */
async function publishUntilReceived(bus: Bus, topic: string, got: string[], marker: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!got.includes(marker)) {
    if (Date.now() > deadline) assert.fail(`"${marker}" never arrived on ${topic}`);
    await bus.publish(topic, Buffer.from(marker)).catch(() => undefined);
    await sleep(50);
  }
}

describe('Redis naming', () => {
  it('puts the topic in the hash tag of its channel and reads it back', () => {
    const channel = redisChannel('sb', 'chat.room-42');
    assert.equal(channel, 'sb:{chat.room-42}:m');
    assert.equal(redisTopicOfChannel('sb', channel), 'chat.room-42');
    assert.equal(redisTopicOfChannel('sb', 'other:{x}:m'), null);
    assert.equal(redisKeySlot(channel), redisKeySlot('sb:{chat.room-42}:seq'));
    assert.equal(redisKeySlot('foo'), 12182); // CLUSTER KEYSLOT foo
    assert.equal(redisKeySlot('{user1000}.following'), redisKeySlot('user1000'));
  });

  it('turns wildcard tokens into globs that over-approximate', () => {
    assert.equal(redisPatternGlob('sb', 'a.*.price'), 'sb:{a.*.price}:m');
    assert.equal(redisPatternGlob('sb', 'a.>'), 'sb:{a.*}:m');
  });

  it('parses plain and cluster URLs', () => {
    assert.deepEqual(parseRedisUrl('redis://h:7/2').nodes, [{ host: 'h', port: 7 }]);
    assert.equal(parseRedisUrl('redis://h:7/2').options.db, 2);
    const c = parseRedisUrl('redis-cluster://u:p%40ss@a:7000,b:7001');
    assert.equal(c.cluster, true);
    assert.deepEqual(c.nodes, [
      { host: 'a', port: 7000 },
      { host: 'b', port: 7001 },
    ]);
    assert.equal(c.options.password, 'p@ss');
    assert.throws(() => parseRedisUrl('redis://a:1,b:2'), RangeError);
    assert.throws(() => parseRedisUrl('nats://a:1'), RangeError);
  });
});

describe('RedisBus (plain)', () => {
  let broker: BrokerHandle;
  before(async () => {
    broker = await plainBroker();
  });

  it('carries reserved `$` topics, which no wildcard receives', async () => {
    const bus = await RedisBus.connect(broker.url);
    try {
      const topic = `$${fresh()}.reports`;
      const exact: string[] = [];
      const wild: string[] = [];
      await bus.subscribe(topic, (t) => exact.push(t));
      await bus.subscribe('>', (t) => wild.push(t));
      await bus.subscribe(`${topic.split('.')[0]}.*`, (t) => wild.push(t));
      await bus.publish(topic, Buffer.from('r'));
      await until(() => exact.length === 1, 'the reserved topic');
      await sleep(100);
      assert.deepEqual(exact, [topic]);
      assert.deepEqual(wild, []);
    } finally {
      await bus.close();
    }
  });

  it('rejects connect when nothing listens', async () => {
    await assert.rejects(RedisBus.connect('redis://127.0.0.1:1', { readyTimeoutMs: 300 }), BusUnavailableError);
  });

  it('goes down on a broker kill -9, refuses publishes, and is back up with its subscriptions', async () => {
    const a = await RedisBus.connect(broker.url);
    const b = await RedisBus.connect(broker.url);
    const states: BusState[] = [];
    b.onStateChange((s) => states.push(s));
    const topic = `${fresh()}.restart`;
    const got: string[] = [];
    await b.subscribe(topic, (_t, p) => got.push(Buffer.from(p).toString()));
    const wild: string[] = [];
    await b.subscribe(`${topic.split('.')[0]}.*`, (t) => wild.push(t));
    try {
      await a.publish(topic, Buffer.from('before'));
      await until(() => got.includes('before'), 'delivery before the kill');

      await broker.kill();
      await until(() => a.state === 'down' && b.state === 'down', 'state down');
      await assert.rejects(a.publish(topic, Buffer.from('during')), BusUnavailableError);
      await assert.rejects(
        b.subscribe(`${topic}.x`, () => undefined),
        BusUnavailableError,
      );

      const restartedAt = Date.now();
      await broker.restart();
      await until(() => a.state === 'up' && b.state === 'up', 'state up again', 5000);
      assert.ok(Date.now() - restartedAt < 5000);
      await publishUntilReceived(a, topic, got, 'after');
      assert.ok(!got.includes('during'));
      assert.ok(wild.length >= 2, 'the wildcard subscription was restored too');
      assert.deepEqual(states.slice(0, 1), ['down']);
      assert.equal(states.at(-1), 'up');
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('RedisBus (cluster)', () => {
  let broker: BrokerHandle;
  before(async () => {
    broker = await clusterBroker();
  });

  it('refuses wildcard subscriptions with UnsupportedPatternError, carries reserved topics', async () => {
    const bus = await RedisBus.connect(broker.url);
    try {
      assert.equal(bus.kind, 'redis-cluster');
      await assert.rejects(
        bus.subscribe('a.*', () => undefined),
        UnsupportedPatternError,
      );
      await assert.rejects(
        bus.subscribe('a.>', () => undefined),
        UnsupportedPatternError,
      );
      const reserved = `$${fresh()}.reports`;
      const got: string[] = [];
      await bus.subscribe(reserved, (t) => got.push(t));
      await bus.publish(reserved, Buffer.from('r'));
      await until(() => got.length === 1, 'the reserved topic');
    } finally {
      await bus.close();
    }
  });

  it('delivers topics that live on every shard', async () => {
    const a = await RedisBus.connect(broker.url);
    const b = await RedisBus.connect(broker.url);
    try {
      // One topic per master, by the cluster's own slot map.
      const seed = parseRedisUrl(broker.url).nodes;
      const probe = new Cluster(seed, { lazyConnect: true });
      await probe.connect();
      const base = fresh();
      const picked = new Map<string, string>();
      for (let i = 0; picked.size < 3 && i < 1000; i++) {
        const topic = `${base}.t${i}`;
        const owner = probe.slots[redisKeySlot(redisChannel('sb', topic))]?.[0];
        if (owner !== undefined && !picked.has(owner)) picked.set(owner, topic);
      }
      probe.disconnect();
      assert.equal(picked.size, 3, 'three masters own the chosen topics');
      const topics = [...picked.values()];
      const got = new Map<string, string[]>();
      for (const topic of topics) {
        got.set(topic, []);
        await b.subscribe(topic, (t, p) => got.get(t)?.push(Buffer.from(p).toString()));
      }
      for (const topic of topics) for (let i = 0; i < 20; i++) await a.publish(topic, Buffer.from(String(i)));
      const expected = Array.from({ length: 20 }, (_, i) => String(i));
      await until(() => topics.every((t) => got.get(t)?.length === 20), 'deliveries on 3 shards');
      for (const topic of topics) assert.deepEqual(got.get(topic), expected);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('goes down when the cluster is killed and is back up with its subscriptions', async () => {
    const a = await RedisBus.connect(broker.url);
    const b = await RedisBus.connect(broker.url);
    const topic = `${fresh()}.restart`;
    const got: string[] = [];
    await b.subscribe(topic, (_t, p) => got.push(Buffer.from(p).toString()));
    try {
      await a.publish(topic, Buffer.from('before'));
      await until(() => got.includes('before'), 'delivery before the kill');
      await broker.kill();
      await until(() => a.state === 'down' && b.state === 'down', 'state down');
      await assert.rejects(a.publish(topic, Buffer.from('during')), BusUnavailableError);
      await broker.restart();
      await until(() => a.state === 'up' && b.state === 'up', 'state up again', 10_000);
      await publishUntilReceived(a, topic, got, 'after');
    } finally {
      await a.close();
      await b.close();
    }
  });
});
