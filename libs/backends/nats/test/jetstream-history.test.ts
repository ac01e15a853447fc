import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HistoryUnavailableError } from '@switchboard/history';
import { runHistoryConformance } from '@switchboard/history/conformance';
import { type BrokerHandle, startNats } from '@switchboard/testkit';
import { connect } from 'nats';
import { openBackend } from '../../open-backend.js';
import { epochOf, JetStreamHistory } from '../jetstream-history.js';

let stores = 0;
/** A prefix (hence a stream) per store, so stores with different limits do not share one. */
const freshPrefix = () => `jh${process.pid}x${Date.now().toString(36)}x${stores++}`;

runHistoryConformance('jetstream', async () => {
  const broker = await startNats({ jetstream: true });
  return {
    createStore: (limits) => JetStreamHistory.connect(broker.url, limits, { prefix: freshPrefix() }),
    stop: () => broker.stop(),
  };
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('JetStreamHistory', () => {
  let broker: BrokerHandle;
  before(async () => {
    broker = await startNats({ jetstream: true });
  });
  after(async () => {
    await broker?.stop();
  });

  it('is opened by openBackend for nats:// (several servers allowed) with stream SB_HISTORY over sb.h.>', async () => {
    const backend = await openBackend(`${broker.url},${broker.url.replace('nats://', '')}`, { history: { size: 10, ttlMs: 60_000 } });
    const store = backend.history;
    assert.ok(store instanceof JetStreamHistory);
    try {
      assert.equal(backend.bus.kind, 'nats');
      assert.equal(store.kind, 'jetstream');
      assert.equal(store.streamName, 'SB_HISTORY');
      const { offset } = await store.append('open.t', '"x"');
      assert.equal(offset, 1);
      const nc = await connect({ servers: broker.url });
      try {
        const jsm = await nc.jetstreamManager();
        const info = await jsm.streams.info('SB_HISTORY');
        assert.deepEqual(info.config.subjects, ['sb.h.>']);
        assert.equal(info.config.max_msgs_per_subject, 10);
        assert.equal(info.config.max_age, 0);
        const stored = await jsm.streams.getMessage('SB_HISTORY', { last_by_subj: 'sb.h.open.t' });
        assert.equal(stored.header.get('Sb-Offset'), '1');
        assert.equal(stored.string(), '"x"');
      } finally {
        await nc.close();
      }
    } finally {
      await backend.close();
    }
    assert.equal(backend.bus.state, 'closed');
  });

  it('pages through long gaps (consumer path) bounded by limit', async () => {
    const store = await JetStreamHistory.connect(broker.url, { size: 50, ttlMs: 60_000 }, { prefix: freshPrefix() });
    try {
      for (let i = 1; i <= 30; i++) await store.append('gap', String(i));
      const first = await store.since('gap', 0, 3);
      assert.deepEqual(first.messages, [
        { offset: 1, data: '1' },
        { offset: 2, data: '2' },
        { offset: 3, data: '3' },
      ]);
      assert.equal(first.complete, true);
      assert.equal(first.offset, 30);
      const middle = await store.since('gap', 10, 12);
      assert.deepEqual(
        middle.messages.map((m) => m.offset),
        Array.from({ length: 12 }, (_, i) => 11 + i),
      );
      assert.equal(middle.complete, true);
      const rest = await store.since('gap', 20, 100);
      assert.deepEqual(
        rest.messages.map((m) => m.data),
        Array.from({ length: 10 }, (_, i) => String(21 + i)),
      );
    } finally {
      await store.close();
    }
  });

  it('keeps offsets gap-free and unique under concurrent appends from two processes', async () => {
    const prefix = freshPrefix();
    const one = await JetStreamHistory.connect(broker.url, { size: 500, ttlMs: 60_000 }, { prefix });
    const two = await JetStreamHistory.connect(broker.url, { size: 500, ttlMs: 60_000 }, { prefix });
    try {
      assert.equal(one.epoch, two.epoch);
      const appends = Array.from({ length: 120 }, (_, i) => (i % 2 === 0 ? one : two).append('race', JSON.stringify(i)));
      const tips = await Promise.all(appends);
      assert.deepEqual(
        tips.map((t) => t.offset).sort((x, y) => x - y),
        Array.from({ length: 120 }, (_, i) => i + 1),
      );
      const page = await one.since('race', 0, 500);
      assert.equal(page.complete, true);
      assert.deepEqual(
        page.messages.map((m) => m.offset),
        Array.from({ length: 120 }, (_, i) => i + 1),
      );
      // Each offset holds the message whose append returned it.
      const byOffset = new Map(page.messages.map((m) => [m.offset, m.data]));
      for (const [i, tip] of tips.entries()) assert.equal(byOffset.get(tip.offset), JSON.stringify(i));
      assert.deepEqual(await two.tip('race'), { offset: 120, epoch: one.epoch });
      // Pipelined appends keep each store's call order.
      for (const parity of [0, 1]) {
        const own = tips.filter((_, i) => i % 2 === parity).map((t) => t.offset);
        assert.deepEqual(
          own,
          [...own].sort((x, y) => x - y),
        );
      }
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('pipelines one store’s appends to several topics, in call order and gap-free per topic', async () => {
    const store = await JetStreamHistory.connect(broker.url, { size: 1000, ttlMs: 60_000 }, { prefix: freshPrefix() });
    try {
      const topics = ['p.a', 'p.b', 'p.c'];
      const tips = await Promise.all(Array.from({ length: 600 }, (_, i) => store.append(topics[i % 3] as string, String(i))));
      for (const [t, topic] of topics.entries()) {
        const own = tips.filter((_, i) => i % 3 === t).map((tip) => tip.offset);
        assert.deepEqual(
          own,
          Array.from({ length: 200 }, (_, i) => i + 1),
        );
        const page = await store.since(topic, 0, 1000);
        assert.deepEqual(
          page.messages.map((m) => Number(m.data) % 3),
          Array.from({ length: 200 }, () => t),
        );
        assert.equal(page.complete, true);
      }
    } finally {
      await store.close();
    }
  });

  it('gives a recreated stream a new epoch, and never resumes the old offsets under it', async () => {
    const prefix = freshPrefix();
    const store = await JetStreamHistory.connect(broker.url, { size: 10, ttlMs: 60_000 }, { prefix });
    const nc = await connect({ servers: broker.url });
    try {
      await store.append('reborn', '"a"');
      const before = await store.append('reborn', '"b"');
      assert.equal(before.offset, 2);
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(store.streamName);
      await sleep(5); // stream `created` has nanosecond precision; keep the two apart anyway
      const after = await store.append('reborn', '"c"');
      assert.notEqual(after.epoch, before.epoch);
      assert.equal(after.offset, 1);
      const page = await store.since('reborn', 2, 10, before.epoch);
      assert.equal(page.epoch, after.epoch);
      assert.equal(page.complete, false);
      assert.deepEqual(page.messages, [{ offset: 1, data: '"c"' }]);
      assert.deepEqual(await store.tip('reborn'), { offset: 1, epoch: after.epoch });
    } finally {
      await nc.close();
      await store.close();
    }
  });

  it('notices a stream another process recreated when it reads a message of the new epoch', async () => {
    const prefix = freshPrefix();
    const stale = await JetStreamHistory.connect(broker.url, { size: 10, ttlMs: 60_000 }, { prefix, epochCheckMs: 60_000 });
    const nc = await connect({ servers: broker.url });
    try {
      const old = await stale.append('other', '"old"');
      await sleep(1100); // past the 1 s guard on epoch re-reads
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(stale.streamName);
      const fresh = await JetStreamHistory.connect(broker.url, { size: 10, ttlMs: 60_000 }, { prefix });
      try {
        const next = await fresh.append('other', '"new"');
        assert.notEqual(next.epoch, old.epoch);
        const page = await stale.since('other', 1, 10, old.epoch);
        assert.equal(page.epoch, next.epoch);
        assert.equal(page.complete, false);
      } finally {
        await fresh.close();
      }
    } finally {
      await nc.close();
      await stale.close();
    }
  });

  it('survives a kill -9 and restart of the server: acknowledged messages, offsets and epoch stay', async () => {
    if (broker.source !== 'binary') return; // an external NATS_URL cannot be killed
    const store = await JetStreamHistory.connect(broker.url, { size: 100, ttlMs: 60_000 }, { prefix: freshPrefix() });
    try {
      const acked = [];
      for (let i = 1; i <= 20; i++) acked.push(await store.append('durable', String(i)));
      const { epoch } = acked[0] ?? assert.fail('no ack');
      await broker.kill();
      await sleep(50);
      await assert.rejects(store.append('durable', '"lost"'), HistoryUnavailableError);
      await broker.restart();
      // JetStream needs a moment to recover the stream after the process is back.
      const deadline = Date.now() + 10_000;
      let next: Awaited<ReturnType<JetStreamHistory['append']>> | undefined;
      while (next === undefined) {
        try {
          next = await store.append('durable', '21');
        } catch (err) {
          if (!(err instanceof HistoryUnavailableError) || Date.now() > deadline) throw err;
          await sleep(100);
        }
      }
      assert.deepEqual(next, { offset: 21, epoch });
      const page = await store.since('durable', 0, 100);
      assert.equal(page.epoch, epoch);
      assert.equal(page.complete, true);
      assert.deepEqual(
        page.messages.map((m) => m.data),
        Array.from({ length: 21 }, (_, i) => String(i + 1)),
      );
    } finally {
      await store.close();
    }
  });

  it('derives the epoch from the stream creation time with nanoseconds', () => {
    assert.notEqual(epochOf('2024-05-01T10:11:12.123456789Z'), epochOf('2024-05-01T10:11:12.123456788Z'));
    assert.equal(epochOf('2024-05-01T10:11:12.5Z'), epochOf('2024-05-01T10:11:12.500000000Z'));
    assert.equal(epochOf('2024-05-01T12:11:12.5+02:00'), epochOf('2024-05-01T10:11:12.5Z'));
  });
});
