import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { MemoryBroker, MemoryBus, MemoryHistory } from '@switchboard/backends';
import { type Bus, BusUnavailableError } from '@switchboard/bus';
import { encodeBinaryMessageFrame, encodeMessageFrame, readMessageHeader } from '@switchboard/protocol';
import { type HistoryStore, Publisher } from '../src/index.js';

/** A memory history whose appends take a random time, as a networked store's do. */
function slowHistory(): HistoryStore {
  const inner = new MemoryHistory({ size: 1000, ttlMs: 60_000 });
  return {
    kind: 'slow',
    append: async (topic, data) => {
      const tip = await inner.append(topic, data);
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      return tip;
    },
    since: (...args) => inner.since(...args),
    tip: (topic) => inner.tip(topic),
    close: () => inner.close(),
  };
}

describe('Publisher', () => {
  it('hands one topic’s concurrent publishes to the bus in offset order', async () => {
    const bus = new MemoryBus(new MemoryBroker());
    const seen: number[] = [];
    await bus.subscribe('t', (_topic, payload) => seen.push(readMessageHeader(payload)?.offset ?? -1));
    const publisher = new Publisher(bus, slowHistory());
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => publisher.publish('t', String(i))));
    assert.deepEqual(
      results.map((r) => r.offset),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    assert.deepEqual(
      seen,
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
  });

  it('publishes with a null offset when history is off', async () => {
    const bus = new MemoryBus(new MemoryBroker());
    const frames: string[] = [];
    await bus.subscribe('t', (_topic, payload) => frames.push(Buffer.from(payload).toString()));
    assert.deepEqual(await new Publisher(bus, null).publish('t', '{"a":1}'), { offset: null, epoch: null });
    assert.deepEqual(frames, ['{"op":"message","topic":"t","offset":null,"data":{"a":1}}']);
  });

  for (const history of [null, 'memory'] as const) {
    it(`history ${history ?? 'off'}: puts bytes on the bus as their binary frame and JSON as text`, async () => {
      const bus = new MemoryBus(new MemoryBroker());
      const payloads: Buffer[] = [];
      await bus.subscribe('t', (_topic, payload) => payloads.push(Buffer.from(payload)));
      const store = history === null ? null : new MemoryHistory({ size: 10, ttlMs: 60_000 });
      const publisher = new Publisher(bus, store);
      const bytes = randomBytes(256);
      const first = await publisher.publish('t', bytes);
      await publisher.publish('t', '"text"');
      const offset = history === null ? null : 1;
      assert.equal(first.offset, offset);
      assert.deepEqual(payloads, [
        encodeBinaryMessageFrame('t', offset, bytes),
        Buffer.from(encodeMessageFrame('t', history === null ? null : 2, '"text"')),
      ]);
    });
  }

  it('refuses and stores nothing while the bus is down', async () => {
    const bus = new MemoryBus(new MemoryBroker());
    const history = new MemoryHistory({ size: 10, ttlMs: 60_000 });
    await bus.close();
    await assert.rejects(new Publisher(bus, history).publish('t', '1'), BusUnavailableError);
    assert.equal((await history.tip('t')).offset, 0);
  });

  it('accepts a stored message even when its bus announcement fails', async () => {
    const history = new MemoryHistory({ size: 10, ttlMs: 60_000 });
    const failing: Bus = Object.assign(new MemoryBus(new MemoryBroker()), {
      publish: async () => {
        throw new BusUnavailableError('lost the connection mid-publish');
      },
    });
    const publisher = new Publisher(failing, history);
    assert.equal((await publisher.publish('t', '1')).offset, 1);
    await new Promise((r) => setImmediate(r));
    assert.equal(publisher.unannounced, 1);
    assert.equal((await history.since('t', 0, 10)).messages.length, 1);
  });

  it('answers once stored and handed over, without waiting for the bus to confirm', async () => {
    const history = new MemoryHistory({ size: 10, ttlMs: 60_000 });
    const handed: number[] = [];
    const silent: Bus = Object.assign(new MemoryBus(new MemoryBroker()), {
      publish: (_topic: string, payload: Uint8Array) => {
        handed.push(readMessageHeader(payload)?.offset ?? -1);
        return new Promise<void>(() => undefined); // never confirmed
      },
    });
    const results = await Promise.all([1, 2, 3].map((i) => new Publisher(silent, history).publish('t', String(i))));
    assert.deepEqual(
      results.map((r) => r.offset),
      [1, 2, 3],
    );
    assert.deepEqual(handed, [1, 2, 3]);
  });

  it('hands appends that complete together to the bus in one synchronous run, in offset order', async () => {
    const inner = new MemoryHistory({ size: 100, ttlMs: 60_000 });
    // Appends answer in one batch, newest first (as acks read from one socket read may resolve).
    const waiting: Array<() => void> = [];
    const batched: HistoryStore = {
      kind: 'batched',
      append: async (topic, data) => {
        const tip = await inner.append(topic, data);
        await new Promise<void>((resolve) => waiting.push(resolve));
        return tip;
      },
      since: (...args) => inner.since(...args),
      tip: (topic) => inner.tip(topic),
      close: () => inner.close(),
    };
    const runs: number[][] = [];
    let current: number[] | null = null;
    const bus: Bus = Object.assign(new MemoryBus(new MemoryBroker()), {
      publish: async (_topic: string, payload: Uint8Array) => {
        if (current === null) {
          const run: number[] = [];
          current = run;
          runs.push(run);
          queueMicrotask(() => {
            current = null;
          });
        }
        current.push(readMessageHeader(payload)?.offset ?? -1);
      },
    });
    const publisher = new Publisher(bus, batched);
    const published = Array.from({ length: 20 }, (_, i) => publisher.publish('t', String(i)));
    while (waiting.length < 20) await new Promise((r) => setImmediate(r));
    for (const resolve of waiting.splice(0).reverse()) resolve();
    await Promise.all(published);
    assert.deepEqual(runs, [Array.from({ length: 20 }, (_, i) => i + 1)]);
  });
});
