/**
 * Idempotent appends on the shared stores: JetStream (message-id dedup inside the pipelined
 * appender) and Redis Cluster (the key in the topic's slot, checked by the append script).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IdempotencyConflictError, idempotencyKey } from '@switchboard/history';
import { type BrokerHandle, startNats, startRedisCluster } from '@switchboard/testkit';
import { JetStreamHistory } from '../nats/jetstream-history.js';
import { RedisHistory } from '../redis/redis-history.js';

const T = { timeout: 60_000 };
const key = (k: string, data: string) => idempotencyKey(k, data, 60_000);

describe('JetStream: idempotent appends', () => {
  let broker: BrokerHandle;
  let store: JetStreamHistory;
  before(async () => {
    broker = await startNats({ jetstream: true });
    store = await JetStreamHistory.connect(
      broker.url,
      { size: 3, ttlMs: 60_000 },
      { prefix: `idem${process.pid}`, idempotencyTtlMs: 60_000 },
    );
  });
  after(async () => {
    await store?.close();
    await broker?.stop();
  });

  it('repeats pipelined among new messages store nothing and answer the original offsets, gap-free', T, async () => {
    const calls = [];
    for (let i = 0; i < 10; i++) {
      calls.push(store.append('idem.p', `"${i}"`, key(`k${i}`, `"${i}"`)));
      if (i > 0) calls.push(store.append('idem.p', `"${i - 1}"`, key(`k${i - 1}`, `"${i - 1}"`)));
    }
    const tips = await Promise.all(calls);
    const fresh = tips.filter((t) => !t.replayed).map((t) => t.offset);
    assert.deepEqual(fresh, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (let i = 1; i < 10; i++) assert.deepEqual(tips[2 * i], { offset: i, epoch: store.epoch, replayed: true }, `repeat of k${i - 1}`);
    assert.equal((await store.tip('idem.p')).offset, 10);
    await assert.rejects(store.append('idem.p', '"other"', key('k9', '"other"')), IdempotencyConflictError);
    assert.equal((await store.tip('idem.p')).offset, 10);
  });

  it('a repeat whose original left the history (size 3) stores nothing and answers offset null', T, async () => {
    await store.append('idem.e', '"a"', key('a', '"a"'));
    for (const d of ['"b"', '"c"', '"d"']) await store.append('idem.e', d);
    const repeat = await store.append('idem.e', '"a"', key('a', '"a"'));
    assert.deepEqual(repeat, { offset: null, epoch: store.epoch, replayed: true });
    assert.equal((await store.tip('idem.e')).offset, 4);
  });
});

describe('Redis Cluster: idempotent appends', () => {
  let broker: BrokerHandle;
  let store: RedisHistory;
  before(async () => {
    broker = await startRedisCluster();
    store = await RedisHistory.connect(broker.url, { size: 10, ttlMs: 60_000 });
  });
  after(async () => {
    await store?.close();
    await broker?.stop();
  });

  it('the key lives in the topic slot: repeats across many topics answer the original, conflicts refuse', T, async () => {
    for (let t = 0; t < 20; t++) {
      const topic = `idem.c${t}`;
      const first = await store.append(topic, '1', key('k{x}', '1'));
      const again = await store.append(topic, '1', key('k{x}', '1'));
      assert.deepEqual(again, { ...first, replayed: true });
      await assert.rejects(store.append(topic, '2', key('k{x}', '2')), IdempotencyConflictError);
      assert.equal((await store.tip(topic)).offset, 1);
    }
  });
});
