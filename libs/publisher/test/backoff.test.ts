import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fullJitter, parseRetryAfter } from '../src/backoff.js';

describe('retry delays', () => {
  it('full jitter draws under min(max, base × 2^attempt)', () => {
    const delays = { baseMs: 100, maxMs: 1000 };
    assert.equal(
      fullJitter(0, delays, () => 0.999999),
      99,
    );
    assert.equal(
      fullJitter(3, delays, () => 0.5),
      400,
    );
    assert.equal(
      fullJitter(10, delays, () => 0.5),
      500,
    );
    assert.equal(
      fullJitter(2, delays, () => 0),
      0,
    );
  });

  it('Retry-After: seconds or an HTTP date; null when absent or unreadable', () => {
    assert.equal(parseRetryAfter('2'), 2000);
    assert.equal(parseRetryAfter(' 0.5 '), 500);
    assert.equal(parseRetryAfter(undefined), null);
    assert.equal(parseRetryAfter('soon'), null);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now), 3000);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 0);
  });
});
