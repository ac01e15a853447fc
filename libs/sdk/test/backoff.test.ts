import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from '../src/backoff.js';

describe('Backoff', () => {
  it('draws full-jitter delays under min(max, base * 2^attempt)', () => {
    const backoff = new Backoff();
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(20_000, 500 * 2 ** attempt);
      assert.equal(backoff.ceiling(), ceiling);
      const delay = backoff.next();
      assert.ok(delay >= 0 && delay <= ceiling, `attempt ${attempt}: ${delay} not in [0, ${ceiling}]`);
    }
  });

  it('uses the injected random source', () => {
    const backoff = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0.5 });
    assert.deepEqual([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()], [50, 100, 200, 400, 500]);
    const zero = new Backoff({ random: () => 0 });
    assert.equal(zero.next(), 0);
    const top = new Backoff({ random: () => 0.999999 });
    for (let i = 0; i < 20; i++) top.next();
    assert.ok(top.next() < 20_000 && top.next() >= 19_999);
  });

  it('caps at 20 s by default, however many attempts', () => {
    const backoff = new Backoff({ random: () => 0.9999999 });
    for (let i = 0; i < 2000; i++) assert.ok(backoff.next() <= 20_000);
    assert.equal(backoff.ceiling(), 20_000);
  });

  it('resets the attempt count', () => {
    const backoff = new Backoff({ random: () => 1 });
    backoff.next();
    backoff.next();
    assert.equal(backoff.attempt, 2);
    assert.equal(backoff.ceiling(), 2000);
    backoff.reset();
    assert.equal(backoff.attempt, 0);
    assert.equal(backoff.next(), 500);
  });

  it('clamps a misbehaving random source', () => {
    assert.equal(new Backoff({ random: () => -1 }).next(), 0);
    assert.equal(new Backoff({ random: () => 7 }).next(), 500);
  });
});
