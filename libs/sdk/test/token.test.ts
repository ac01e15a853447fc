import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readTokenLifetime, refreshDelay } from '../src/token.js';
import { fakeJwt } from './fake-server.js';

describe('readTokenLifetime', () => {
  it('reads exp and iat in milliseconds', () => {
    assert.deepEqual(readTokenLifetime(fakeJwt({ sub: 'u1', exp: 2_000_000_000, iat: 1_999_996_400 })), {
      expiresAt: 2_000_000_000_000,
      issuedAt: 1_999_996_400_000,
    });
    assert.deepEqual(readTokenLifetime(fakeJwt({ exp: 1700000000 })), { expiresAt: 1_700_000_000_000, issuedAt: null });
  });

  it('decodes base64url payloads with - and _ and no padding', () => {
    const claims = { exp: 1700000000, name: 'ü?>>~~~' };
    const token = fakeJwt(claims);
    assert.match(token.split('.')[1] ?? '', /[-_]/);
    assert.equal(readTokenLifetime(token)?.expiresAt, 1_700_000_000_000);
  });

  const bad = ['', 'opaque-api-token', 'a.b', 'a.b.c.d', 'x.!!!.y', fakeJwt({ sub: 'no exp' }), fakeJwt({ exp: '1700000000' })];
  for (const token of bad) {
    it(`returns null for ${JSON.stringify(token.slice(0, 30))}`, () => assert.equal(readTokenLifetime(token), null));
  }
  it('returns null for a payload that is not a JSON object', () => {
    assert.equal(readTokenLifetime(`x.${Buffer.from('42').toString('base64url')}.y`), null);
    assert.equal(readTokenLifetime(`x.${Buffer.from('{nope').toString('base64url')}.y`), null);
  });
});

describe('refreshDelay', () => {
  const now = 1_000_000_000_000;
  const sec = (ms: number) => Math.floor(ms / 1000);

  it('refreshes 30 s before expiry for long-lived tokens', () => {
    const token = fakeJwt({ iat: sec(now), exp: sec(now) + 3600 });
    assert.equal(refreshDelay(token, now), 3600_000 - 30_000);
  });

  it('refreshes at 10 % of the lifetime before expiry for short-lived tokens', () => {
    const token = fakeJwt({ iat: sec(now), exp: sec(now) + 100 });
    assert.equal(refreshDelay(token, now), 90_000);
  });

  it('uses the remaining time as lifetime without iat', () => {
    assert.equal(refreshDelay(fakeJwt({ exp: sec(now) + 100 }), now), 90_000);
  });

  it('honours a smaller margin and never goes negative', () => {
    assert.equal(refreshDelay(fakeJwt({ iat: sec(now), exp: sec(now) + 3600 }), now, 5000), 3595_000);
    assert.equal(refreshDelay(fakeJwt({ iat: sec(now) - 100, exp: sec(now) - 10 }), now), 0);
  });

  it('is null for tokens without exp', () => {
    assert.equal(refreshDelay('opaque', now), null);
  });
});
