import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAllInOne } from '@switchboard/all-in-one';
import { MemoryBroker, MemoryBus, MemoryHistory } from '@switchboard/backends';
import type { HistoryStore } from '@switchboard/history';
import { encodeMessageFrame } from '@switchboard/protocol';
import { WsTestClient } from '@switchboard/testkit';
import { T, TestServer } from './support.js';

/** Ordering at the edge: what the bus delivers twice, late or not at all is still delivered once, in order. */
describe('ordered topic stream (Interest)', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
  });
  after(() => server.close());

  const busPublish = (topic: string, offset: number, data: string) =>
    server.node.bus.publish(topic, Buffer.from(encodeMessageFrame(topic, offset, data)));

  it('drops a message the bus delivers twice', T, async () => {
    const client = await server.client();
    await client.request({ op: 'subscribe', id: 1, topic: 'dup' });
    const { offset } = await server.publish('dup', 'a');
    await busPublish('dup', offset as number, '"a"'); // the same message again
    await server.publish('dup', 'b');
    const got = await client.collect((f) => f.op === 'message' && f.topic === 'dup', 2);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(
      client.messages('dup').map((f) => f.data),
      ['a', 'b'],
    );
    assert.equal(got.length, 2);
    assert.ok(server.node.edge.stats.duplicatesDropped >= 1);
  });

  it('fills a skipped offset from history before the newer message', T, async () => {
    const client = await server.client();
    await client.request({ op: 'subscribe', id: 1, topic: 'gap' });
    const history = server.node.history;
    assert.ok(history !== null);
    await server.publish('gap', 1);
    // Offsets 2 and 3 are stored but never reach this edge over the bus (lost in transit).
    await history.append('gap', '2');
    await history.append('gap', '3');
    const repairsBefore = server.node.edge.stats.gapRepairs;
    await server.publish('gap', 4);
    const got = await client.collect((f) => f.op === 'message' && f.topic === 'gap', 4);
    assert.deepEqual(
      got.map((f) => [f.offset, f.data]),
      [
        [1, 1],
        [2, 2],
        [3, 3],
        [4, 4],
      ],
    );
    assert.equal(server.node.edge.stats.gapRepairs, repairsBefore + 1);
  });

  it('puts messages the bus reorders back in offset order', T, async () => {
    const client = await server.client();
    await client.request({ op: 'subscribe', id: 1, topic: 'order' });
    const history = server.node.history;
    assert.ok(history !== null);
    const first = await history.append('order', '"x"');
    const second = await history.append('order', '"y"');
    await busPublish('order', second.offset, '"y"'); // arrives first
    await busPublish('order', first.offset, '"x"'); // arrives late: already repaired from history
    const got = await client.collect((f) => f.op === 'message' && f.topic === 'order', 2);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(
      client.messages('order').map((f) => f.data),
      ['x', 'y'],
    );
    assert.equal(got.length, 2);
  });
});

describe('ordered topic stream: restarts', () => {
  it('follows a topic whose history started over at offset 1 in a new epoch', T, async () => {
    // A history whose contents can be wiped, as a Redis whose keys expired or a recreated stream.
    let inner = new MemoryHistory({ size: 100, ttlMs: 60_000 });
    const wipeable: HistoryStore = {
      kind: 'wipeable',
      append: (topic, data) => inner.append(topic, data),
      since: (...args) => inner.since(...args),
      tip: (topic) => inner.tip(topic),
      close: () => inner.close(),
    };
    const bus = new MemoryBus(new MemoryBroker());
    const node = await startAllInOne({ bus, history: wipeable, env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' } });
    try {
      const client = await WsTestClient.connect(`ws://127.0.0.1:${node.port}/ws`);
      await client.request({ op: 'subscribe', id: 1, topic: 'again' });
      await node.edge.publisher.publish('again', '"a"');
      await node.edge.publisher.publish('again', '"b"');
      await client.collect((f) => f.op === 'message', 2);
      inner = new MemoryHistory({ size: 100, ttlMs: 60_000 }); // a new epoch
      await node.edge.publisher.publish('again', '"c"');
      await node.edge.publisher.publish('again', '"d"');
      const got = await client.collect((f) => f.op === 'message', 4);
      assert.deepEqual(
        got.map((f) => [f.offset, f.data]),
        [
          [1, 'a'],
          [2, 'b'],
          [1, 'c'],
          [2, 'd'],
        ],
      );
      client.close();
    } finally {
      await node.close();
    }
  });
});

describe('ordered topic stream: history down during a repair', () => {
  it('keeps the newer messages waiting and retries, so the gap is filled once history answers', T, async () => {
    const inner = new MemoryHistory({ size: 100, ttlMs: 60_000 });
    let failures = 0;
    const flaky: HistoryStore = {
      kind: 'flaky',
      append: (topic, data) => inner.append(topic, data),
      since: async (...args) => {
        if (failures > 0) {
          failures--;
          throw new Error('history unreachable');
        }
        return inner.since(...args);
      },
      tip: (topic) => inner.tip(topic),
      close: () => inner.close(),
    };
    const bus = new MemoryBus(new MemoryBroker());
    const node = await startAllInOne({ bus, history: flaky, env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' } });
    try {
      const client = await WsTestClient.connect(`ws://127.0.0.1:${node.port}/ws`);
      await client.request({ op: 'subscribe', id: 1, topic: 'flaky' });
      await node.edge.publisher.publish('flaky', '1');
      await inner.append('flaky', '2'); // stored, never announced on the bus
      failures = 3; // the next three history reads fail (~750 ms of retries)
      await node.edge.publisher.publish('flaky', '3');
      const got = await client.collect((f) => f.op === 'message', 3, 5000);
      assert.deepEqual(
        got.map((f) => f.offset),
        [1, 2, 3],
      );
      assert.equal(failures, 0);
      client.close();
    } finally {
      await node.close();
    }
  });
});

describe('ordered topic stream: reordered while a repair reads history', () => {
  it('repairs again when a message that waited still skips an offset, instead of delivering past the gap', T, async () => {
    // Two api processes publish to the bus after their append is stored, so a higher offset can
    // overtake a lower one. Here offset 5 arrives while the repair of 3 is reading history (the
    // read saw the tip at 3), and 4 arrives after the repair ended.
    const inner = new MemoryHistory({ size: 100, ttlMs: 60_000 });
    let readDone: () => void = () => undefined;
    const read = new Promise<void>((resolve) => {
      readDone = resolve;
    });
    let gate: Promise<void> | null = null;
    const gated: HistoryStore = {
      kind: 'gated',
      append: (topic, data) => inner.append(topic, data),
      since: async (...args) => {
        const page = await inner.since(...args); // what history holds now ...
        const wait = gate;
        gate = null;
        if (wait !== null) {
          readDone();
          await wait; // ... answered later
        }
        return page;
      },
      tip: (topic) => inner.tip(topic),
      close: () => inner.close(),
    };
    const bus = new MemoryBus(new MemoryBroker());
    const node = await startAllInOne({ bus, history: gated, env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' } });
    const announce = (offset: number) => bus.publish('race', Buffer.from(encodeMessageFrame('race', offset, String(offset))));
    try {
      const client = await WsTestClient.connect(`ws://127.0.0.1:${node.port}/ws`);
      await client.request({ op: 'subscribe', id: 1, topic: 'race' });
      for (let n = 1; n <= 3; n++) await inner.append('race', String(n));
      await announce(1);
      let open: () => void = () => undefined;
      gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      await announce(3); // 2 missing: the repair reads history (tip 3) and waits at the gate
      await read;
      await inner.append('race', '4');
      await inner.append('race', '5');
      await announce(5); // waits behind the repair
      open();
      await new Promise((r) => setTimeout(r, 50));
      await announce(4); // late: must not have been skipped
      const got = await client.collect((f) => f.op === 'message', 5, 5000);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(
        client.messages().map((f) => f.offset),
        [1, 2, 3, 4, 5],
      );
      assert.equal(got.length, 5);
      client.close();
    } finally {
      await node.close();
    }
  });
});
