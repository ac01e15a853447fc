import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { HistoryUnavailableError, Publisher, publishesOnAppend } from '@switchboard/history';
import { runHistoryConformance } from '@switchboard/history/conformance';
import { encodeBinaryMessageFrame, encodeEnvelope, encodeMessageFrame } from '@switchboard/protocol';
import { type BrokerHandle, startRedis, startRedisCluster } from '@switchboard/testkit';
import { Cluster, Redis } from 'ioredis';
import { openBackend } from '../../open-backend.js';
import { RedisBus } from '../redis-bus.js';
import { parseRedisUrl } from '../redis-client.js';
import { RedisHistory } from '../redis-history.js';
import { redisHistoryKeys } from '../redis-keys.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let unique = 0;
const fresh = () => `rhist${process.pid}x${Date.now().toString(36)}x${unique++}`;

let redis: Promise<BrokerHandle> | undefined;
let cluster: Promise<BrokerHandle> | undefined;
const brokers = {
  redis: () => {
    redis ??= startRedis();
    return redis;
  },
  'redis-cluster': () => {
    cluster ??= startRedisCluster({ masters: 3 });
    return cluster;
  },
};
/** A plain client to poke at the keys. */
async function rawClient(broker: BrokerHandle): Promise<Redis | Cluster> {
  const client = broker.url.startsWith('redis-cluster') ? new Cluster(parseRedisUrl(broker.url).nodes) : new Redis(broker.url);
  await new Promise((resolve) => client.once('ready', resolve));
  return client;
}

after(async () => {
  await (await redis)?.stop();
  await (await cluster)?.stop();
});

for (const mode of ['redis', 'redis-cluster'] as const) {
  runHistoryConformance(mode, async () => {
    const broker = await brokers[mode]();
    return { createStore: (limits) => RedisHistory.connect(broker.url, limits) };
  });

  describe(`RedisHistory (${mode})`, () => {
    let broker: BrokerHandle;
    let store: RedisHistory;
    let bus: RedisBus;
    before(async () => {
      broker = await brokers[mode]();
      store = await RedisHistory.connect(broker.url, { size: 1000, ttlMs: 60_000 });
      bus = await RedisBus.connect(broker.url);
    });
    after(async () => {
      await store?.close();
      await bus?.close();
    });

    it('publishes exactly the encodeMessageFrame bytes on the bus, atomically with the append', async () => {
      assert.equal(store.publishes, true);
      assert.equal(store.kind, mode);
      const topic = `${fresh()}.frames`;
      const got: Array<{ topic: string; payload: Buffer }> = [];
      await bus.subscribe(topic, (t, p) => got.push({ topic: t, payload: Buffer.from(p) }));
      const data = ['{"emoji":"😀","s":"quote\\" \\\\"}', '42', 'null', '[1,{"a":"é"}]'];
      const tips: Array<{ offset: number }> = [];
      for (const d of data) tips.push(await store.append(topic, d));
      const deadline = Date.now() + 5000;
      while (got.length < data.length && Date.now() < deadline) await sleep(5);
      assert.deepEqual(
        got,
        data.map((d, i) => ({ topic, payload: Buffer.from(encodeMessageFrame(topic, tips[i]?.offset ?? -1, d)) })),
      );
      assert.deepEqual(
        tips.map((t) => t.offset),
        [1, 2, 3, 4],
      );
    });

    it('publishes a bytes message as its binary frame (u64 offset), with the envelope before it', async () => {
      const topic = `${fresh()}.bytes`;
      const got: Buffer[] = [];
      await bus.subscribe(topic, (_t, p) => got.push(Buffer.from(p)));
      const data = Buffer.from(randomBytes(256));
      const envelope = encodeEnvelope(1234.5, null);
      await store.append(topic, '"json first"');
      const tip = await store.append(topic, data, undefined, envelope);
      const deadline = Date.now() + 5000;
      while (got.length < 2 && Date.now() < deadline) await sleep(5);
      assert.equal(tip.offset, 2);
      assert.deepEqual(got[1], Buffer.concat([envelope, encodeBinaryMessageFrame(topic, 2, data)]));
      const [, stored] = (await store.since(topic, 0, 10)).messages;
      assert.deepEqual(stored, { offset: 2, data });
    });

    it('goes through the Publisher without a second bus publish', async () => {
      const topic = `${fresh()}.publisher`;
      const got: string[] = [];
      await bus.subscribe(topic, (_t, p) => got.push(Buffer.from(p).toString()));
      const result = await new Publisher(bus, store).publish(topic, '"hi"');
      assert.equal(result.offset, 1);
      const deadline = Date.now() + 5000;
      while (got.length === 0 && Date.now() < deadline) await sleep(5);
      await sleep(100); // a second copy would arrive by now
      assert.deepEqual(got, [encodeMessageFrame(topic, 1, '"hi"')]);
    });

    it('gives a never-published topic, when read, the epoch its first message gets', async () => {
      const topic = fresh();
      const tip = await store.tip(topic);
      assert.equal(tip.offset, 0);
      assert.match(tip.epoch, /^[0-9a-z]{12,}$/);
      const page = await store.since(topic, 0, 10);
      assert.deepEqual(page, { offset: 0, epoch: tip.epoch, messages: [], complete: true });
      assert.deepEqual(await store.append(topic, '1'), { offset: 1, epoch: tip.epoch });
    });

    it('stores the appends of one turn in call order with one script call per topic, idempotent ones in their place', async () => {
      const topic = `${fresh()}.turn`;
      const other = `${fresh()}.turn2`;
      const got: Buffer[] = [];
      await bus.subscribe(topic, (_t, p) => got.push(Buffer.from(p)));
      // 600 messages in one turn: more than one script call holds (256), split in order; an
      // idempotent append and another topic's appends in between; one with a bus envelope and
      // one of bytes among the JSON ones.
      const bytes = new Uint8Array([0, 1, 2, 255]);
      const calls: Array<Promise<{ offset: number | null }>> = [];
      for (let i = 0; i < 600; i++) {
        if (i === 300) calls.push(store.append(topic, '"keyed"', { key: 'k1', fingerprint: 'f1', ttlMs: 60_000 }));
        if (i % 100 === 0) void store.append(other, String(i));
        if (i === 5) calls.push(store.append(topic, '5', undefined, Buffer.from('ENV')));
        else if (i === 7) calls.push(store.append(topic, bytes));
        else calls.push(store.append(topic, String(i)));
      }
      const tips = await Promise.all(calls);
      assert.deepEqual(
        tips.map((t) => t.offset),
        Array.from({ length: 601 }, (_, i) => i + 1),
        'offsets follow call order',
      );
      const expected = calls.map((_, i) => {
        const n = i < 300 ? i : i - 1;
        if (i === 300) return Buffer.from(encodeMessageFrame(topic, 301, '"keyed"'));
        if (n === 7) return encodeBinaryMessageFrame(topic, 8, bytes);
        return Buffer.from(`${n === 5 ? 'ENV' : ''}${encodeMessageFrame(topic, i + 1, String(n))}`);
      });
      const deadline = Date.now() + 5000;
      while (got.length < expected.length && Date.now() < deadline) await sleep(5);
      assert.deepEqual(got, expected, 'published once each, in offset order');
      const page = await store.since(topic, 0, 1000);
      assert.deepEqual(
        page.messages.map((m) => m.offset),
        tips.map((t) => t.offset),
      );
      assert.equal(page.messages[5]?.data, '5', 'the envelope is not stored');
      assert.deepEqual(page.messages[7]?.data, Buffer.from(bytes));
      assert.deepEqual(
        (await store.since(other, 0, 10)).messages.map((m) => m.data),
        ['0', '100', '200', '300', '400', '500'],
      );
    });

    it('stays gap-free under concurrent appends from two store instances', async () => {
      const other = await RedisHistory.connect(broker.url, { size: 1000, ttlMs: 60_000 });
      try {
        const topic = `${fresh()}.two`;
        const tips = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? store : other).append(topic, String(i))));
        assert.equal(new Set(tips.map((t) => t.epoch)).size, 1);
        const offsets = tips.map((t) => t.offset).sort((x, y) => x - y);
        assert.deepEqual(
          offsets,
          Array.from({ length: 200 }, (_, i) => i + 1),
        );
        const page = await other.since(topic, 0, 1000);
        assert.deepEqual(
          page.messages.map((m) => m.offset),
          offsets,
        );
        assert.equal(page.complete, true);
      } finally {
        await other.close();
      }
    });

    it('starts a new epoch at offset 1 when the sequence expired, never reusing offsets in an epoch', async () => {
      const short = await RedisHistory.connect(broker.url, { size: 10, ttlMs: 1000 }, { sequenceRetentionMs: 0 });
      try {
        const topic = `${fresh()}.expire`;
        const first = await short.append(topic, '1');
        assert.equal((await short.append(topic, '2')).offset, 2);
        await sleep(1200);
        const empty = await short.tip(topic);
        assert.equal(empty.offset, 0);
        assert.notEqual(empty.epoch, first.epoch);
        const next = await short.append(topic, '3');
        assert.deepEqual(next, { offset: 1, epoch: empty.epoch });
        const page = await short.since(topic, 2, 10, first.epoch);
        assert.equal(page.complete, false);
        assert.deepEqual(page.messages, [{ offset: 1, data: '3' }]);
      } finally {
        await short.close();
      }
    });

    it('restarts the sequence in a new epoch when the epoch key alone was lost', async () => {
      const topic = `${fresh()}.lost`;
      const first = await store.append(topic, '1');
      await store.append(topic, '2');
      const keys = redisHistoryKeys('sb', topic);
      const raw = await rawClient(broker);
      try {
        await raw.del(keys.epoch);
      } finally {
        raw.disconnect();
      }
      const next = await store.append(topic, '3');
      assert.equal(next.offset, 1);
      assert.notEqual(next.epoch, first.epoch);
      assert.deepEqual((await store.since(topic, 0, 10)).messages, [{ offset: 1, data: '3' }]);
    });

    it('sets the retention on seq and epoch and the TTL on the log', async () => {
      const topic = `${fresh()}.ttl`;
      await store.append(topic, '1');
      const keys = redisHistoryKeys('sb', topic);
      const raw = await rawClient(broker);
      try {
        const [seq, epoch, log] = await Promise.all([raw.pttl(keys.seq), raw.pttl(keys.epoch), raw.pttl(keys.log)]);
        assert.ok(seq > 86_000_000 && seq <= 86_400_000, `seq pttl ${seq}`);
        assert.ok(epoch > 86_000_000 && epoch <= 86_400_000, `epoch pttl ${epoch}`);
        assert.ok(log > 59_000 && log <= 60_000, `log pttl ${log}`);
      } finally {
        raw.disconnect();
      }
    });
  });
}

describe('RedisHistory across a Redis kill -9', () => {
  it('keeps acknowledged messages, refuses appends quickly while down, and continues the offsets', async () => {
    const broker = await brokers.redis();
    const store = await RedisHistory.connect(broker.url, { size: 100, ttlMs: 60_000 });
    try {
      const topic = `${fresh()}.crash`;
      const acked = [];
      for (let i = 1; i <= 5; i++) acked.push(await store.append(topic, String(i)));
      await broker.kill();
      const started = Date.now();
      await assert.rejects(store.append(topic, '"lost"'), HistoryUnavailableError);
      await assert.rejects(store.since(topic, 0, 10), HistoryUnavailableError);
      assert.ok(Date.now() - started < 1000, 'rejects at once');
      await broker.restart();
      let next: Awaited<ReturnType<RedisHistory['append']>> | undefined;
      const deadline = Date.now() + 5000;
      while (next === undefined) {
        if (Date.now() > deadline) assert.fail('history did not come back within 5 s');
        next = await store.append(topic, '6').catch(() => undefined);
        if (next === undefined) await sleep(50);
      }
      assert.deepEqual(next, { offset: 6, epoch: acked[0]?.epoch });
      const page = await store.since(topic, 0, 100, acked[0]?.epoch);
      assert.deepEqual(
        page.messages.map((m) => m.data),
        ['1', '2', '3', '4', '5', '6'],
      );
      assert.equal(page.complete, true);
    } finally {
      await store.close();
    }
  });
});

describe('openBackend', () => {
  it('opens pub/sub and Streams for redis:// with one prefix, the history publishing on the bus channels', async () => {
    const broker = await brokers.redis();
    const backend = await openBackend(broker.url, { prefix: 'other', history: { size: 10, ttlMs: 1000 } });
    const store = backend.history;
    assert.ok(store !== null);
    try {
      assert.equal(backend.bus.kind, 'redis');
      assert.equal(store.kind, 'redis');
      assert.ok(publishesOnAppend(store));
      const bus = backend.bus;
      const got: string[] = [];
      const topic = `${fresh()}.prefix`;
      await bus.subscribe(topic, (_t, p) => got.push(Buffer.from(p).toString()));
      await store.append(topic, '1');
      const deadline = Date.now() + 5000;
      while (got.length === 0 && Date.now() < deadline) await sleep(5);
      assert.deepEqual(got, [encodeMessageFrame(topic, 1, '1')]);
    } finally {
      await backend.close();
    }
  });
});
