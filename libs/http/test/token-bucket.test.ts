import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from '../src/token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst, then refills at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
    now += 99;
    assert.equal(bucket.take(), false);
    now += 1;
    assert.equal(bucket.take(), true);
    assert.equal(bucket.take(), false);
  });

  it('never holds more than the burst', () => {
    let now = 0;
    const bucket = new TokenBucket(1000, 2, () => now);
    now += 60_000;
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take()], [true, true, false]);
  });
});

describe('TokenBucket.take(count)', () => {
  it('takes several tokens at once or none', () => {
    const now = 0;
    const bucket = new TokenBucket(1, 5, () => now);
    assert.equal(bucket.take(6), false);
    assert.equal(bucket.take(4), true);
    assert.equal(bucket.take(2), false);
    assert.equal(bucket.take(1), true);
  });
});
