import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandPatterns, Permissions } from '../src/permissions.js';

describe('expandPatterns ({sub} placeholder)', () => {
  const TABLE: ReadonlyArray<readonly [string, unknown[], string[]]> = [
    ['alice', ['user.{sub}.>'], ['user.alice.>']],
    ['alice', ['user.{sub}.inbox', 'chat.*'], ['user.alice.inbox', 'chat.*']],
    ['alice', ['{sub}'], ['alice']],
    ['alice', ['a.{sub}-{sub}'], ['a.alice-alice']],
    ['a:b@c~d_e-f', ['user.{sub}'], ['user.a:b@c~d_e-f']],
    // a sub that is not one topic token drops every pattern that uses it
    ['a.b', ['user.{sub}.>', 'public.>'], ['public.>']],
    ['*', ['user.{sub}'], []],
    ['>', ['user.{sub}'], []],
    ['a b', ['user.{sub}'], []],
    ['', ['user.{sub}'], []],
    ['x'.repeat(300), ['u.{sub}'], []],
    // bad entries are dropped, never widened
    ['alice', ['a..b', '', 'a.>.b', 7, null, { p: 'x' }, 'ok'], ['ok']],
    ['alice', ['a.b', 'a.b'], ['a.b']],
    // a client-readable reserved topic by its exact name; no other `$` name
    ['alice', ['$presence.users', '$sb.presence.reports', '$presence.>'], ['$presence.users']],
  ];
  for (const [sub, input, expected] of TABLE) {
    it(`sub ${JSON.stringify(sub.slice(0, 20))}: ${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(expandPatterns(input, sub), expected);
    });
  }
});

describe('Permissions', () => {
  const perms = new Permissions(['chat.>', 'user.alice.*', 'news'], ['chat.room-1', 'user.alice.>']);

  const SUBSCRIBE: ReadonlyArray<readonly [string, boolean]> = [
    ['chat.room-1', true],
    ['chat.*', true],
    ['chat.>', true],
    ['chat', false],
    ['user.alice.inbox', true],
    ['user.alice.*', true],
    ['user.alice.>', false],
    ['user.*.inbox', false],
    ['user.bob.inbox', false],
    ['news', true],
    ['news.*', false],
    ['*', false],
    ['>', false],
  ];
  for (const [topic, allowed] of SUBSCRIBE) {
    it(`canSubscribe(${topic}) = ${allowed}`, () => assert.equal(perms.canSubscribe(topic), allowed));
  }

  const PUBLISH: ReadonlyArray<readonly [string, boolean]> = [
    ['chat.room-1', true],
    ['chat.room-2', false],
    ['user.alice.x', true],
    ['user.alice.x.y', true],
    ['user.alice', false],
    ['user.bob.x', false],
  ];
  for (const [topic, allowed] of PUBLISH) {
    it(`canPublish(${topic}) = ${allowed}`, () => assert.equal(perms.canPublish(topic), allowed));
  }

  it('grants nothing without claims', () => {
    const none = new Permissions([], []);
    assert.equal(none.empty, true);
    assert.equal(none.canSubscribe('a'), false);
    assert.equal(none.canSubscribe('>'), false);
    assert.equal(none.canPublish('a'), false);
    assert.equal(perms.empty, false);
  });

  it('a reserved topic needs its exact grant: `>` does not cover it', () => {
    assert.equal(new Permissions(['>'], ['>']).canSubscribe('$presence.users'), false);
    assert.equal(new Permissions(['$presence.users'], []).canSubscribe('$presence.users'), true);
  });

  it('two literal grants do not add up to a wildcard', () => {
    const two = new Permissions(['a.x', 'a.y'], []);
    assert.equal(two.canSubscribe('a.x'), true);
    assert.equal(two.canSubscribe('a.*'), false);
  });
});
