import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWildcard, matchTopic } from '../src/topic-match.js';

describe('matchTopic', () => {
  const table: Array<[string, string, boolean]> = [
    ['chat.room-1', 'chat.room-1', true],
    ['chat.room-1', 'chat.room-2', false],
    ['chat.*', 'chat.room-1', true],
    ['chat.*', 'chat', false],
    ['chat.*', 'chat.room-1.typing', false],
    ['*.room-1', 'chat.room-1', true],
    ['*', 'chat', true],
    ['*', 'chat.room', false],
    ['chat.>', 'chat.room-1', true],
    ['chat.>', 'chat.room-1.typing', true],
    ['chat.>', 'chat', false],
    ['>', 'chat', true],
    ['>', 'chat.room.x', true],
    ['*.*.typing', 'chat.room-1.typing', true],
    ['*.>', 'a', false],
    ['*.>', 'a.b', true],
    ['prices.EUR:USD', 'prices.EUR:USD', true],
    ['chat.*.typing', 'chat.room-1.read', false],
    ['chat', 'chat.room', false],
    ['chat.room', 'chat', false],
  ];
  for (const [pattern, topic, expected] of table) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${topic}`, () => {
      assert.equal(matchTopic(pattern, topic), expected);
    });
  }
});

describe('isWildcard', () => {
  const table: Array<[string, boolean]> = [
    ['chat.room-1', false],
    ['chat.*', true],
    ['*', true],
    ['>', true],
    ['chat.>', true],
    ['*.room', true],
    ['a.*.c', true],
    ['a*b.c', false],
    ['a.b>', false],
  ];
  for (const [pattern, expected] of table) {
    it(`${pattern} -> ${expected}`, () => assert.equal(isWildcard(pattern), expected));
  }
});
