import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchTopic, SubjectIndex } from '../src/index.js';

/** A small deterministic PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('SubjectIndex', () => {
  it('matches exactly what matchTopic matches, for random patterns and topics, through adds and removes', () => {
    const rand = prng(7);
    const words = ['a', 'b', 'c', 'd'];
    const token = () => words[Math.floor(rand() * words.length)] as string;
    const randomPattern = () => {
      const n = 1 + Math.floor(rand() * 4);
      const tokens = Array.from({ length: n }, () => (rand() < 0.25 ? '*' : token()));
      if (rand() < 0.3) tokens[n - 1] = '>';
      return tokens.join('.');
    };
    const randomTopic = () => Array.from({ length: 1 + Math.floor(rand() * 4) }, token).join('.');
    const index = new SubjectIndex<string>();
    const held = new Map<string, Set<string>>();
    for (let round = 0; round < 3000; round++) {
      const pattern = randomPattern();
      const value = `v${Math.floor(rand() * 3)}`;
      if (rand() < 0.6) {
        index.add(pattern, value);
        if (!held.has(pattern)) held.set(pattern, new Set());
        held.get(pattern)?.add(value);
      } else {
        index.remove(pattern, value);
        held.get(pattern)?.delete(value);
        if (held.get(pattern)?.size === 0) held.delete(pattern);
      }
      const topic = randomTopic();
      const expected = [...held].flatMap(([p, values]) => (matchTopic(p, topic) ? [...values].map((v) => `${p}|${v}`) : []));
      const got = index.match(topic);
      assert.equal(got.length, expected.length, `${topic}: ${JSON.stringify(got)} vs ${JSON.stringify(expected)}`);
      assert.equal(index.size, held.size);
    }
  });

  it('never matches a reserved topic through a wildcard; frees what it no longer needs', () => {
    const index = new SubjectIndex<number>();
    index.add('>', 1);
    index.add('*.users', 2);
    index.add('$presence.users', 3);
    assert.deepEqual([...index.match('$presence.users')], [3]);
    assert.deepEqual([...index.match('x.users')].sort(), [1, 2]);
    for (const [p, v] of [
      ['>', 1],
      ['*.users', 2],
      ['$presence.users', 3],
    ] as const)
      index.remove(p, v);
    assert.equal(index.size, 0);
    assert.deepEqual([...index.match('x.users')], []);
    assert.equal((index as unknown as { root: { literal: Map<string, unknown>; star: unknown } }).root.literal.size, 0);
  });
});
