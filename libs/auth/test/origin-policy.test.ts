import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@switchboard/config';
import { OriginPolicy } from '../src/origin-policy.js';

describe('OriginPolicy', () => {
  const policy = new OriginPolicy([
    'https://app.example.com',
    'http://localhost:3000',
    'https://*.example.org',
    'HTTPS://Caps.Example.net',
  ]);

  const TABLE: ReadonlyArray<readonly [string | undefined, boolean]> = [
    ['https://app.example.com', true],
    ['https://app.example.com:443', true],
    ['https://APP.example.com', true],
    ['http://app.example.com', false],
    ['https://app.example.com:8443', false],
    ['https://evil.app.example.com', false],
    ['https://app.example.com.evil.com', false],
    ['https://example.com', false],
    ['http://localhost:3000', true],
    ['http://localhost', false],
    ['http://localhost:3001', false],
    ['https://a.example.org', true],
    ['https://a.b.example.org', true],
    ['https://example.org', false],
    ['https://evilexample.org', false],
    ['http://a.example.org', false],
    ['https://caps.example.net', true],
    ['null', false],
    ['not a url', false],
    ['', true],
    [undefined, true],
  ];
  for (const [origin, allowed] of TABLE) {
    it(`${JSON.stringify(origin)} -> ${allowed ? 'allowed' : 'refused'}`, () => assert.equal(policy.allows(origin), allowed));
  }

  it('with no entries allows any origin; REQUIRE_ORIGIN refuses a request without one', () => {
    const open = new OriginPolicy([]);
    assert.equal(open.open, true);
    assert.equal(open.allows('https://anything.test'), true);
    assert.equal(open.allows(undefined), true);
    const strict = new OriginPolicy([], true);
    assert.equal(strict.allows(undefined), false);
    assert.equal(strict.allows('https://anything.test'), true);
    const listed = new OriginPolicy(['https://a.test'], true);
    assert.equal(listed.allows(undefined), false);
    assert.equal(listed.allows('https://a.test'), true);
  });

  it('allows the opaque origin only when "null" is listed', () => {
    assert.equal(new OriginPolicy(['null']).allows('null'), true);
  });

  it('refuses a malformed entry at start-up, naming ALLOWED_ORIGINS', () => {
    for (const entry of ['example.com', 'https://a.com/path', 'https://a.com?q', '*']) {
      assert.throws(
        () => new OriginPolicy([entry]),
        (err: unknown) => err instanceof ConfigError && /ALLOWED_ORIGINS/.test(err.message),
        entry,
      );
    }
  });
});
