import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryHistory } from '../src/index.js';
import { runHistoryConformance } from './conformance.js';

runHistoryConformance('memory', async () => ({ createStore: async (limits) => new MemoryHistory(limits) }));

describe('MemoryHistory', () => {
  it('forgets a topic whose messages all expired, and starts a new epoch for it', async () => {
    let now = 1_000;
    const store = new MemoryHistory({ size: 10, ttlMs: 100 }, () => now);
    const first = await store.append('t', '1');
    now += 200;
    (store as unknown as { sweep(): void }).sweep();
    assert.equal(store.topicCount, 0);
    const second = await store.append('t', '2');
    assert.equal(second.offset, 1);
    assert.notEqual(second.epoch, first.epoch);
    await store.close();
  });

  it('refuses bad limits', () => {
    assert.throws(() => new MemoryHistory({ size: 0, ttlMs: 10 }), RangeError);
  });
});
