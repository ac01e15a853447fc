import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { busEnv, isSecretName, parseEnv, redactUrl } from '../src/index.js';

describe('redactUrl', () => {
  const cases: Array<[string, string]> = [
    ['redis://:hunter2@h:6379', 'redis://***@h:6379'],
    ['nats://user:pa/ss#w@rd@h:4222', 'nats://***@h:4222'],
    ['redis://tok123@h', 'redis://***@h'],
    ['//[/sse?topics=a&token=eyJabc.def', '//[/sse?topics=a&token=***'],
    ['/sse?token=eyJ&topics=a', '/sse?token=***&topics=a'],
    ['cannot connect at redis://:pw@x: ECONNREFUSED', 'cannot connect at redis://***@x: ECONNREFUSED'],
    ['memory://', 'memory://'],
  ];
  for (const [input, expected] of cases) it(`redacts ${input}`, () => assert.equal(redactUrl(input), expected));
});

describe('config errors show no secret', () => {
  it('names a secret variable and the problem, never its value', () => {
    const shape = { AUTH_JWT_SECRET: z.string().min(32, 'at least 32 characters').optional(), API_KEYS: z.string().min(40) };
    assert.ok(isSecretName('AUTH_JWT_SECRET') && isSecretName('API_KEYS') && !isSecretName('BUS_URL'));
    assert.throws(
      () => parseEnv(shape, { AUTH_JWT_SECRET: 'short-secret-value', API_KEYS: 'k'.repeat(40) }),
      (err: Error) => err.message.startsWith('invalid AUTH_JWT_SECRET:') && !err.message.includes('short-secret-value'),
    );
  });

  it('shows a bad URL with its password redacted', () => {
    const shape = { ...busEnv, BUS_URL: z.string().regex(/^memory:/, 'not supported here') };
    assert.throws(
      () => parseEnv(shape, { BUS_URL: 'redis://:s3cr3t@host:bad' }),
      (err: Error) => err.message.startsWith('invalid BUS_URL') && !err.message.includes('s3cr3t'),
    );
  });
});
