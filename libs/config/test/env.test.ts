import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, commonEnv, intVar, listVar, parseEnv } from '../src/index.js';

describe('parseEnv', () => {
  const shape = { ...commonEnv, MAX: intVar(10, 1, 100), KEYS: listVar() };

  it('applies defaults for unset and empty variables', () => {
    const cfg = parseEnv(shape, { PORT: '', MAX: undefined });
    assert.equal(cfg.PORT, 8080);
    assert.equal(cfg.HOST, '0.0.0.0');
    assert.equal(cfg.MAX, 10);
    assert.deepEqual(cfg.KEYS, []);
    assert.match(cfg.NODE_ID, /^[A-Za-z0-9_.-]+-[0-9a-f]{6}$/);
  });

  it('parses given values', () => {
    const cfg = parseEnv(shape, { PORT: '9000', MAX: '42', KEYS: ' a, b ,,c', NODE_ID: 'edge-1' });
    assert.deepEqual([cfg.PORT, cfg.MAX, cfg.KEYS, cfg.NODE_ID], [9000, 42, ['a', 'b', 'c'], 'edge-1']);
  });

  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /^invalid PORT \(got "eighty"\)/],
    [{ PORT: '70000' }, /^invalid PORT/],
    [{ MAX: '0' }, /^invalid MAX \(got "0"\)/],
    [{ MAX: '1.5' }, /^invalid MAX/],
    [{ NODE_ID: 'no spaces' }, /^invalid NODE_ID/],
    [{ LOG_LEVEL: 'loud' }, /^invalid LOG_LEVEL/],
  ];
  for (const [env, message] of bad) {
    it(`names the variable in ${JSON.stringify(env)}`, () => {
      assert.throws(
        () => parseEnv(shape, env),
        (err: unknown) => err instanceof ConfigError && message.test(err.message),
      );
    });
  }
});

describe('openSettingWarnings', () => {
  it('warns for each unset setting asked about', async () => {
    const { openSettingWarnings } = await import('../src/index.js');
    assert.deepEqual(
      openSettingWarnings(['API_KEYS', 'ALLOWED_ORIGINS'], {}).map((w) => w.split(' ')[0]),
      ['ALLOWED_ORIGINS', 'API_KEYS'],
    );
    assert.deepEqual(openSettingWarnings(['API_KEYS', 'AUTH_JWT_SECRET'], { API_KEYS: 'k', AUTH_JWKS_URL: 'http://x' }), []);
  });
});
