/**
 * The one HistoryStore conformance suite, run by every implementation (memory, Redis Streams,
 * JetStream). A fixture makes stores with the given limits over one backend.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HistoryLimits, HistoryStore } from '../src/history-store.js';
import { IdempotencyConflictError, idempotencyKey } from '../src/idempotency.js';

export interface HistoryFixture {
  createStore(limits: HistoryLimits): Promise<HistoryStore>;
  stop?(): Promise<void>;
}

let unique = 0;
const fresh = () => `hist${process.pid}x${Date.now().toString(36)}x${unique++}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function runHistoryConformance(name: string, makeFixture: () => Promise<HistoryFixture>): void {
  describe(`HistoryStore conformance: ${name}`, () => {
    let fixture: HistoryFixture;
    let store: HistoryStore;
    before(async () => {
      fixture = await makeFixture();
      store = await fixture.createStore({ size: 5, ttlMs: 60_000 });
    });
    after(async () => {
      await store?.close();
      await fixture?.stop?.();
    });

    it('reports an empty topic at offset 0', async () => {
      const tip = await store.tip(fresh());
      assert.equal(tip.offset, 0);
      assert.equal(typeof tip.epoch, 'string');
    });

    it('numbers appends 1, 2, 3… in one epoch and returns them in order', async () => {
      const topic = fresh();
      const tips = [];
      for (let i = 0; i < 3; i++) tips.push(await store.append(topic, JSON.stringify({ i })));
      assert.deepEqual(
        tips.map((t) => t.offset),
        [1, 2, 3],
      );
      assert.equal(new Set(tips.map((t) => t.epoch)).size, 1);
      const page = await store.since(topic, 0, 100);
      assert.equal(page.complete, true);
      assert.equal(page.offset, 3);
      assert.equal(page.epoch, tips[0]?.epoch);
      assert.deepEqual(page.messages, [
        { offset: 1, data: '{"i":0}' },
        { offset: 2, data: '{"i":1}' },
        { offset: 3, data: '{"i":2}' },
      ]);
      assert.deepEqual(await store.tip(topic), { offset: 3, epoch: tips[0]?.epoch });
    });

    it('keeps the data text byte for byte', async () => {
      const topic = fresh();
      const data = '{"emoji":"😀","nested":[1,{"a":null}],"s":"quote\\" and \\\\ slash"}';
      await store.append(topic, data);
      const page = await store.since(topic, 0, 10);
      assert.equal(page.messages[0]?.data, data);
    });

    it('keeps bytes byte for byte, as bytes, next to JSON text on the same topic', async () => {
      const topic = fresh();
      const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);
      // Bytes that are not UTF-8, that look like JSON, and none at all.
      const bytes = [everyByte, Buffer.from('{"op":"message"}'), new Uint8Array(0), Buffer.from([0xc3, 0x28, 0x00, 0xff])];
      await store.append(topic, bytes[0] as Uint8Array);
      await store.append(topic, '{"json":true}');
      for (const b of bytes.slice(1)) await store.append(topic, b);
      const page = await store.since(topic, 0, 10);
      assert.equal(page.messages.length, 5);
      const [first, json, ...rest] = page.messages.map((m) => m.data);
      assert.equal(json, '{"json":true}');
      for (const [i, data] of [first, ...rest].entries()) {
        assert.ok(data instanceof Uint8Array, `message ${i} comes back as bytes`);
        assert.deepEqual(Buffer.from(data), Buffer.from(bytes[i] as Uint8Array), `message ${i} byte for byte`);
      }
    });

    it('answers a repeated idempotency key on bytes, and refuses other bytes under it', async () => {
      if (store.deduplicates !== true) return; // the Publisher's table does it (publisher.test.ts)
      const topic = fresh();
      const data = Buffer.from([1, 2, 3, 0xff]);
      const first = await store.append(topic, data, idempotencyKey('k1', data, 60_000));
      const again = await store.append(topic, Buffer.from(data), idempotencyKey('k1', data, 60_000));
      assert.deepEqual(again, { offset: first.offset, epoch: first.epoch, replayed: true });
      const other = Buffer.from([1, 2, 3, 0xfe]);
      await assert.rejects(store.append(topic, other, idempotencyKey('k1', other, 60_000)), IdempotencyConflictError);
      // The same bytes as JSON text are another body.
      await assert.rejects(store.append(topic, '"AQID/w=="', idempotencyKey('k1', '"AQID/w=="', 60_000)), IdempotencyConflictError);
    });

    it('pages with since/limit and says complete when it starts right after the offset', async () => {
      const topic = fresh();
      for (let i = 1; i <= 4; i++) await store.append(topic, String(i));
      const page = await store.since(topic, 1, 2);
      assert.deepEqual(
        page.messages.map((m) => m.offset),
        [2, 3],
      );
      assert.equal(page.complete, true);
      const upToDate = await store.since(topic, 4, 10);
      assert.deepEqual(upToDate.messages, []);
      assert.equal(upToDate.complete, true);
    });

    it('keeps at most `size` messages and reports the lost ones as a gap', async () => {
      const topic = fresh();
      for (let i = 1; i <= 8; i++) await store.append(topic, String(i));
      const page = await store.since(topic, 0, 100);
      assert.deepEqual(
        page.messages.map((m) => m.offset),
        [4, 5, 6, 7, 8],
      );
      assert.equal(page.complete, false);
      const inside = await store.since(topic, 3, 100);
      assert.equal(inside.complete, true);
      assert.equal(inside.messages.length, 5);
    });

    it('answers another epoch with the current one from its start, not complete', async () => {
      const topic = fresh();
      const { epoch } = await store.append(topic, '"a"');
      await store.append(topic, '"b"');
      const page = await store.since(topic, 1, 10, `${epoch}-not`);
      assert.equal(page.epoch, epoch);
      assert.equal(page.complete, false);
      assert.deepEqual(
        page.messages.map((m) => m.offset),
        [1, 2],
      );
      const same = await store.since(topic, 1, 10, epoch);
      assert.equal(same.complete, true);
      assert.deepEqual(
        same.messages.map((m) => m.offset),
        [2],
      );
    });

    it('treats offset 0 of an empty topic as complete once messages arrive', async () => {
      const topic = fresh();
      const empty = await store.tip(topic);
      await store.append(topic, '1');
      const page = await store.since(topic, 0, 10, empty.epoch);
      assert.equal(page.complete, true);
      assert.equal(page.messages.length, 1);
    });

    it('keeps the epoch contract: a never-published topic reports offset 0 and the epoch its first message gets', async () => {
      // docs/protocol.md: subscribe to a new topic, publish 3, resubscribe with the ack's epoch
      // and offset 3 -> recovered, nothing replayed.
      const topic = fresh();
      const ack = await store.tip(topic);
      assert.equal(ack.offset, 0);
      const first = await store.since(topic, 0, 10);
      assert.deepEqual(first, { offset: 0, epoch: ack.epoch, messages: [], complete: true });
      const tips = [];
      for (let i = 1; i <= 3; i++) tips.push(await store.append(topic, String(i)));
      assert.deepEqual(
        tips,
        [1, 2, 3].map((offset) => ({ offset, epoch: ack.epoch })),
      );
      const resumed = await store.since(topic, 3, 100, ack.epoch);
      assert.deepEqual(resumed, { offset: 3, epoch: ack.epoch, messages: [], complete: true });
      const missedOne = await store.since(topic, 2, 100, ack.epoch);
      assert.deepEqual(missedOne.messages, [{ offset: 3, data: '3' }]);
      assert.equal(missedOne.complete, true);
    });

    it('drops messages older than the TTL', async () => {
      const short = await fixture.createStore({ size: 100, ttlMs: 1000 });
      try {
        const topic = fresh();
        await short.append(topic, '"old"');
        await sleep(600);
        await short.append(topic, '"new"');
        await sleep(600);
        const page = await short.since(topic, 0, 10);
        assert.deepEqual(
          page.messages.map((m) => m.data),
          ['"new"'],
        );
        assert.equal(page.complete, false);
      } finally {
        await short.close();
      }
    });

    it('keeps offsets gap-free under concurrent appends to one topic', async () => {
      const topic = fresh();
      const big = await fixture.createStore({ size: 1000, ttlMs: 60_000 });
      try {
        const tips = await Promise.all(Array.from({ length: 100 }, (_, i) => big.append(topic, String(i))));
        assert.deepEqual(
          tips.map((t) => t.offset).sort((x, y) => x - y),
          Array.from({ length: 100 }, (_, i) => i + 1),
        );
        const page = await big.since(topic, 0, 1000);
        assert.deepEqual(
          page.messages.map((m) => m.offset),
          Array.from({ length: 100 }, (_, i) => i + 1),
        );
      } finally {
        await big.close();
      }
    });
  });
}
