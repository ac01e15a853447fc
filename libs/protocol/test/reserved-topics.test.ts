import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeClientFrame,
  isClientReadableReservedTopic,
  isReservedTopic,
  isValidPattern,
  isValidTopic,
  matchTopic,
  PRESENCE_USERS_TOPIC,
} from '../src/index.js';

describe('reserved topics ($…)', () => {
  it('are outside the grammar', () => {
    for (const topic of ['$presence.users', '$sb.presence.reports']) {
      assert.equal(isValidTopic(topic), false);
      assert.equal(isValidPattern(topic), false);
      assert.equal(isReservedTopic(topic), true);
    }
    assert.equal(isReservedTopic('presence.users'), false);
  });

  it('only $presence.users is readable by clients', () => {
    assert.equal(isClientReadableReservedTopic(PRESENCE_USERS_TOPIC), true);
    assert.equal(isClientReadableReservedTopic('$sb.presence.reports'), false);
    assert.equal(isClientReadableReservedTopic('$presence.>'), false);
    assert.equal(isClientReadableReservedTopic(42), false);
  });

  it('a client may subscribe to $presence.users but not publish to it', () => {
    assert.deepEqual(decodeClientFrame('{"op":"subscribe","id":1,"topic":"$presence.users"}'), {
      ok: true,
      frame: { op: 'subscribe', id: 1, topic: '$presence.users' },
    });
    assert.equal(decodeClientFrame('{"op":"unsubscribe","id":2,"topic":"$presence.users"}').ok, true);
    const publish = decodeClientFrame('{"op":"publish","id":3,"topic":"$presence.users","data":1}');
    assert.equal(publish.ok, false);
    assert.equal(!publish.ok && publish.error.code, 'bad_topic');
    for (const topic of ['$sb.presence.reports', '$sb.presence.sync', '$presence.*', '$presence.>']) {
      const sub = decodeClientFrame(JSON.stringify({ op: 'subscribe', id: 4, topic }));
      assert.equal(!sub.ok && sub.error.code, 'bad_topic', topic);
    }
  });

  it('no wildcard matches a reserved topic; the exact name does', () => {
    for (const pattern of ['>', '*.*', '*.users', '*.presence.>']) {
      assert.equal(matchTopic(pattern, '$presence.users'), false, pattern);
      assert.equal(matchTopic(pattern, '$sb.presence.reports'), false, pattern);
    }
    assert.equal(matchTopic('$presence.users', '$presence.users'), true);
  });
});
