import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimits } from '../src/rate-limits.js';

describe('RateLimits', () => {
  it('one bucket per caller', () => {
    const now = 0;
    const limits = new RateLimits(1, 2, 100, () => now);
    assert.deepEqual([limits.take('a'), limits.take('a'), limits.take('a')], [true, true, false]);
    assert.deepEqual([limits.take('b'), limits.take('b', 2)], [true, false]);
  });

  it('tracks at most maxTracked callers, dropping the oldest', () => {
    const now = 0;
    const limits = new RateLimits(1, 1, 3, () => now);
    for (const caller of ['a', 'b', 'c']) assert.equal(limits.take(caller), true);
    assert.equal(limits.take('a'), false);
    assert.equal(limits.take('d'), true);
    assert.equal(limits.size, 3);
    assert.equal(limits.take('b'), false, 'b is still tracked');
    assert.equal(limits.take('a'), true, 'a was the oldest: dropped, its burst forgiven');
    for (let i = 0; i < 10_000; i++) limits.take(`x${i}`);
    assert.equal(limits.size, 3);
  });
});
