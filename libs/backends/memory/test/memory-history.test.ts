import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runHistoryConformance } from '@switchboard/history/conformance';
import type { HistorySlabs } from '../history-slabs.js';
import { MemoryHistory } from '../memory-history.js';

runHistoryConformance('memory', async () => ({ createStore: async (limits) => new MemoryHistory(limits) }));

describe('MemoryHistory', () => {
  it('frees expired messages; keeps the counter within the retention, then frees it and starts a new epoch', async () => {
    let now = 1_000;
    const store = new MemoryHistory({ size: 10, ttlMs: 100 }, () => now);
    const sweep = () => (store as unknown as { sweep(): void }).sweep();
    const empty = await store.tip('t');
    const first = await store.append('t', '1');
    assert.equal(first.epoch, empty.epoch, 'an empty topic reports the epoch its first message gets');
    now += 100;
    await store.append('other', 'x'); // keeps 'other' alive for the next sweep
    now += 50;
    sweep();
    assert.equal(store.messageCount, 1, "t's message expired");
    assert.equal(store.topicCount, 1, "t's counter is freed: no message held, idle for the retention");
    const restarted = await store.append('t', '2');
    assert.equal(restarted.offset, 1, 'offsets start over…');
    assert.notEqual(restarted.epoch, first.epoch, '…in a new epoch');
    const page = await store.since('t', 1, 10, first.epoch);
    assert.deepEqual(page.messages, [{ offset: 1, data: '2' }]);
    assert.equal(page.complete, false, 'an old epoch is never reported as recovered');
    assert.equal((await store.tip('other')).epoch, first.epoch, 'a topic still held keeps its epoch');
    await store.close();
  });

  it('keeps the counter while messages are held (offsets never restart in an epoch)', async () => {
    let now = 1_000;
    const store = new MemoryHistory({ size: 10, ttlMs: 100 }, () => now);
    const first = await store.append('t', '1');
    now += 50;
    (store as unknown as { sweep(): void }).sweep();
    assert.deepEqual(await store.append('t', '2'), { offset: 2, epoch: first.epoch });
    await store.close();
  });

  it('HISTORY_MAX_BYTES: drops the oldest messages across topics, and only those', async () => {
    const store = new MemoryHistory({ size: 100, ttlMs: 60_000, maxBytes: 10 * 1100 });
    const data = 'x'.repeat(1000);
    for (let i = 0; i < 30; i++) await store.append(`t${i % 3}`, data);
    assert.ok(store.heldBytes <= 10 * 1100, `${store.heldBytes} bytes held`);
    assert.equal(store.messageCount, 10);
    // The 10 newest survive: offsets 7..10 of each topic's sequence (appended round-robin).
    const page = await store.since('t0', 0, 100);
    assert.deepEqual(
      page.messages.map((m) => m.offset),
      [8, 9, 10],
    );
    assert.equal(page.complete, false);
    assert.equal(page.offset, 10);
    await store.close();
  });

  it('HISTORY_MAX_BYTES in slabs: a flood reuses them, the bound counts a slab whole, data reads back exactly', async () => {
    const maxBytes = 64 * 64 * 1024; // 64 slabs of 64 KiB
    const store = new MemoryHistory({ size: 3, ttlMs: 60_000, maxBytes });
    const text = (i: number) => JSON.stringify({ i, s: `é✓😀${'x'.repeat(3000 + (i % 7) * 1000)}` });
    // A quiet topic's message pins the first slab; a flood of distinct topics runs through the bound.
    await store.append('quiet', '"pinned"');
    for (let i = 0; i < 5_000; i++) {
      await store.append(`flood.${i}`, text(i));
      assert.ok(store.heldBytes <= maxBytes, `${store.heldBytes} bytes held after ${i}`);
    }
    assert.equal((await store.since('quiet', 0, 10)).messages.length, 0, 'the pinned message was the oldest: dropped for the bound');
    const newest = await store.since('flood.4999', 0, 10);
    assert.deepEqual(newest.messages, [{ offset: 1, data: text(4999) }]);
    assert.ok(store.messageCount > 500, `${store.messageCount} messages held: slabs are filled, not one per message`);
    const slabs = (store as unknown as { slabs: HistorySlabs }).slabs;
    assert.ok(slabs.allocated <= 64 + 1, `${slabs.allocated} slabs allocated for 64 in use: emptied ones are reused`);
    // A text too big for a slab gets its own Buffer, counted at its size.
    const big = JSON.stringify('y'.repeat(200_000));
    await store.append('big', big);
    assert.equal((await store.since('big', 0, 1)).messages[0]?.data, big);
    assert.ok(store.heldBytes <= maxBytes);
    await store.close();
  });

  it('a message handed to a reader keeps its data after it is dropped and its slab reused', async () => {
    const store = new MemoryHistory({ size: 10, ttlMs: 60_000, maxBytes: 64 * 16 * 1024 }); // slabs of 16 KiB
    const first = JSON.stringify({ first: 'a'.repeat(3000) });
    await store.append('lent', first);
    const page = await store.since('lent', 0, 10); // read later, as a paused replay does
    for (let i = 0; i < 2_000; i++) await store.append(`other.${i}`, JSON.stringify({ i, pad: 'b'.repeat(3000) }));
    assert.equal((await store.since('lent', 0, 10)).messages.length, 0, 'dropped for the bound');
    assert.equal(page.messages[0]?.data, first);
    await store.close();
  });

  it('bytes messages share the slabs: small and large bytes read back exactly, also after a drop and slab reuse', async () => {
    const store = new MemoryHistory({ size: 10, ttlMs: 60_000, maxBytes: 64 * 16 * 1024 }); // slabs of 16 KiB
    const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
    const small = bytes(10, 1);
    const inSlab = bytes(3000, 2);
    const own = bytes(10_000, 3); // over a quarter of a slab: a Buffer of its own
    await store.append('b.small', small);
    await store.append('b.slab', inSlab);
    await store.append('b.own', own);
    const lent = await store.since('b.slab', 0, 1); // read later, after its slab was reused
    assert.deepEqual(new Uint8Array((await store.since('b.small', 0, 1)).messages[0]?.data as Uint8Array), small);
    assert.deepEqual(new Uint8Array((await store.since('b.own', 0, 1)).messages[0]?.data as Uint8Array), own);
    for (let i = 0; i < 2_000; i++) await store.append(`other.${i}`, bytes(3000, i));
    assert.equal((await store.since('b.slab', 0, 1)).messages.length, 0, 'dropped for the bound');
    const data = lent.messages[0]?.data;
    assert.ok(data instanceof Uint8Array, 'bytes stay bytes');
    assert.deepEqual(new Uint8Array(data), inSlab);
    const newest = (await store.since('other.1999', 0, 1)).messages[0]?.data;
    assert.deepEqual(new Uint8Array(newest as Uint8Array), bytes(3000, 1999));
    await store.close();
  });

  it('refuses bad limits', () => {
    assert.throws(() => new MemoryHistory({ size: 0, ttlMs: 10 }), RangeError);
  });
});
