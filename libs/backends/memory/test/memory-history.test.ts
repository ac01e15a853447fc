import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runHistoryConformance } from '@switchboard/history/conformance';
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

  it('refuses bad limits', () => {
    assert.throws(() => new MemoryHistory({ size: 0, ttlMs: 10 }), RangeError);
  });
});
