import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidPattern, matchTopic } from '@switchboard/protocol';
import { patternCovers } from '../src/pattern-covers.js';

/** [granted, requested, covers] */
const TABLE: ReadonlyArray<readonly [string, string, boolean]> = [
  // concrete against concrete
  ['a', 'a', true],
  ['a', 'b', false],
  ['a.b', 'a.b', true],
  ['a.b', 'a', false],
  ['a', 'a.b', false],
  // `*` in the grant
  ['a.*', 'a.b', true],
  ['a.*', 'a.*', true],
  ['a.*', 'a', false],
  ['a.*', 'a.b.c', false],
  ['a.*', 'a.>', false],
  ['*', 'x', true],
  ['*', '*', true],
  ['*', '>', false],
  ['*.b', 'a.b', true],
  ['*.b', '*.b', true],
  ['*.b', '*.c', false],
  ['a.*.c', 'a.b.c', true],
  ['a.*.c', 'a.*.c', true],
  ['a.*.c', 'a.>', false],
  ['a.*.c', 'a.b.*', false],
  // `>` in the grant
  ['a.>', 'a.b', true],
  ['a.>', 'a.b.c', true],
  ['a.>', 'a.*', true],
  ['a.>', 'a.*.c', true],
  ['a.>', 'a.>', true],
  ['a.>', 'a.b.>', true],
  ['a.>', 'a', false],
  ['a.>', 'b.c', false],
  ['a.>', '*.b', false],
  ['a.>', '>', false],
  ['>', 'a', true],
  ['>', '*', true],
  ['>', '>', true],
  ['>', 'a.b.>', true],
  ['*.>', 'a.b', true],
  ['*.>', '>', false],
  ['*.>', '*.*', true],
  ['a.*.>', 'a.b.c', true],
  ['a.*.>', 'a.b.>', true],
  ['a.*.>', 'a.>', false],
  ['a.*.>', 'a.b', false],
  // a literal grant never covers a wildcard request
  ['a.b', 'a.*', false],
  ['a.b', 'a.>', false],
  ['a.b.c', 'a.b.>', false],
  ['user.alice.>', 'user.alice.inbox', true],
  ['user.alice.>', 'user.bob.inbox', false],
  ['user.alice.>', 'user.*.inbox', false],
  // reserved topics: only an exact grant
  ['$presence.users', '$presence.users', true],
  ['>', '$presence.users', false],
  ['*.users', '$presence.users', false],
];

describe('patternCovers (NATS semantics)', () => {
  for (const [granted, requested, covers] of TABLE) {
    it(`${granted} ${covers ? 'covers' : 'does not cover'} ${requested}`, () => {
      const valid = (p: string) => isValidPattern(p) || p === '$presence.users';
      assert.ok(valid(granted) && valid(requested));
      assert.equal(patternCovers(granted, requested), covers);
    });
  }

  it('agrees with matchTopic on every concrete request', () => {
    const patterns = ['a', 'a.b', 'a.*', '*', '>', 'a.>', '*.b', 'a.*.c', '*.>', 'a.*.>'];
    const topics = ['a', 'b', 'a.b', 'a.c', 'b.b', 'a.b.c', 'a.x.c', 'a.b.c.d'];
    for (const p of patterns) for (const t of topics) assert.equal(patternCovers(p, t), matchTopic(p, t), `${p} vs ${t}`);
  });

  it('is sound: when it says covered, every sampled topic the request matches is matched by the grant', () => {
    const patterns = ['a', 'a.b', 'a.*', '*', '>', 'a.>', '*.b', 'a.*.c', '*.>', 'a.*.>', 'a.b.>', '*.*', 'a.b.*'];
    const topics: string[] = [];
    for (const x of ['a', 'b']) {
      topics.push(x);
      for (const y of ['a', 'b', 'c']) {
        topics.push(`${x}.${y}`);
        for (const z of ['b', 'c']) topics.push(`${x}.${y}.${z}`, `${x}.${y}.${z}.d`);
      }
    }
    for (const g of patterns) {
      for (const r of patterns) {
        const sampledCover = topics.every((t) => !matchTopic(r, t) || matchTopic(g, t));
        // Soundness always; completeness too, since the sample has topics of 1–4 tokens.
        assert.equal(patternCovers(g, r), sampledCover, `${g} covers ${r}?`);
      }
    }
  });
});
