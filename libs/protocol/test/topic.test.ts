import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidPattern, isValidTopic, isWildcard, matchTopic } from '../src/index.js';

describe('topic grammar', () => {
  const valid = ['demo', 'chat.room-42', 'prices.EUR:USD', 'user@example~x', 'a_b', 'x'.repeat(255), 'a.b.c.d'];
  const invalid: unknown[] = [
    '',
    'x'.repeat(256),
    'a..b',
    '.a',
    'a.',
    'a b',
    'a/b',
    'é',
    'a*',
    '*',
    '>',
    'a.*',
    'a.>',
    'a"b',
    'a\\b',
    42,
    null,
    undefined,
    {},
  ];
  for (const topic of valid) it(`accepts topic ${JSON.stringify(topic).slice(0, 30)}`, () => assert.equal(isValidTopic(topic), true));
  for (const topic of invalid) it(`rejects topic ${JSON.stringify(topic)?.slice(0, 30)}`, () => assert.equal(isValidTopic(topic), false));

  const patterns = ['*', '>', 'a.*', 'a.>', '*.b', 'a.*.c', '*.*', 'a.*.>', 'plain'];
  const badPatterns = ['>.a', 'a.>.b', 'a*', 'a.b*', '**', 'a.>>', '', 'a..*'];
  for (const p of patterns) it(`accepts pattern ${p}`, () => assert.equal(isValidPattern(p), true));
  for (const p of badPatterns) it(`rejects pattern ${JSON.stringify(p)}`, () => assert.equal(isValidPattern(p), false));

  it('tells wildcards from plain topics', () => {
    assert.deepEqual(
      ['*', '>', 'a.*', '*.a', 'a.>', 'a.*.b', 'a', 'a.b', 'a-*'].map((p) => isWildcard(p)),
      [true, true, true, true, true, true, false, false, false],
    );
  });
});

describe('matchTopic (NATS semantics)', () => {
  const table: Array<[string, string, boolean]> = [
    ['a.b', 'a.b', true],
    ['a.b', 'a.c', false],
    ['a.*', 'a.b', true],
    ['a.*', 'a', false],
    ['a.*', 'a.b.c', false],
    ['*.b', 'a.b', true],
    ['*', 'a', true],
    ['*', 'a.b', false],
    ['a.>', 'a', false],
    ['a.>', 'a.b', true],
    ['a.>', 'a.b.c', true],
    ['>', 'a', true],
    ['>', 'a.b.c', true],
    ['a.*.c', 'a.b.c', true],
    ['a.*.c', 'a.b.d', false],
    ['a.*.>', 'a.b', false],
    ['a.*.>', 'a.b.c', true],
    ['prices.*', 'prices.EUR:USD', true],
  ];
  for (const [pattern, topic, expected] of table) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${topic}`, () => assert.equal(matchTopic(pattern, topic), expected));
  }
});
