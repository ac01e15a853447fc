import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runHistoryConformance } from '@switchboard/history/conformance';
import { MemoryHistory } from '../memory-history.js';

runHistoryConformance('memory', async () => ({ createStore: async (limits) => new MemoryHistory(limits) }));

describe('MemoryHistory', () => {
  it('frees expired messages but keeps the offset counter, so offsets never restart in an epoch', async () => {
    let now = 1_000;
    const store = new MemoryHistory({ size: 10, ttlMs: 100 }, () => now);
    const empty = await store.tip('t');
    const first = await store.append('t', '1');
    assert.equal(first.epoch, empty.epoch, 'an empty topic reports the epoch its first message gets');
    now += 200;
    (store as unknown as { sweep(): void }).sweep();
    assert.equal(store.messageCount, 0);
    const second = await store.append('t', '2');
    assert.deepEqual(second, { offset: 2, epoch: first.epoch });
    const page = await store.since('t', 1, 10, first.epoch);
    assert.deepEqual(page.messages, [{ offset: 2, data: '2' }]);
    assert.equal(page.complete, true);
    await store.close();
  });

  it('refuses bad limits', () => {
    assert.throws(() => new MemoryHistory({ size: 0, ttlMs: 10 }), RangeError);
  });
});
