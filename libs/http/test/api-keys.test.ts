import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { ApiKeys } from '../src/api-keys.js';

const withAuthorization = (authorization: string | undefined) => ({ headers: { authorization } }) as unknown as IncomingMessage;

describe('ApiKeys', () => {
  it('reads the Bearer key of the Authorization header', () => {
    const TABLE: ReadonlyArray<readonly [string | undefined, string | null]> = [
      ['Bearer k1', 'k1'],
      ['bearer k1', 'k1'],
      ['BEARER   k1  ', 'k1'],
      ['Basic k1', null],
      ['Bearer', null],
      ['Bearer a b', null],
      ['', null],
      [undefined, null],
    ];
    for (const [header, key] of TABLE) assert.equal(ApiKeys.presented(withAuthorization(header)), key, String(header));
  });

  it('accepts every configured key (rotation) and nothing else, whatever the lengths', () => {
    const keys = new ApiKeys(['old-key', 'a-much-longer-new-key-0123456789']);
    assert.equal(keys.open, false);
    assert.equal(keys.accepts('old-key'), true);
    assert.equal(keys.accepts('a-much-longer-new-key-0123456789'), true);
    for (const wrong of ['', 'old-ke', 'old-key ', 'OLD-KEY', 'x'.repeat(10_000), null])
      assert.equal(keys.accepts(wrong), false, String(wrong));
  });

  it('is open without keys', () => {
    const open = new ApiKeys([]);
    assert.equal(open.open, true);
    assert.equal(open.accepts(null), true);
  });
});
