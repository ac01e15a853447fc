import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeMessageFrame, isReservedTopic, isValidPattern, matchTopic } from '@switchboard/protocol';
import {
  channelAuth,
  channelKind,
  channelTopic,
  encodePusherEvent,
  isValidChannel,
  PusherApps,
  requestSigningString,
  splitPusherEvent,
  topicChannel,
} from '../src/index.js';

test('PUSHER_APPS: id:key:secret list, defaults per app', () => {
  const apps = PusherApps.parse('1:key-one:secret-one-long, 2:key2:secret-two-long');
  assert.equal(apps.enabled, true);
  assert.equal(apps.withKey('key2')?.id, '2');
  assert.equal(apps.withId('1')?.clientEvents, false);
  assert.equal(PusherApps.parse(undefined).enabled, false);
});

test('PUSHER_APPS: a bad value fails naming the variable', () => {
  assert.throws(() => PusherApps.parse('1:key'), /^PusherAppsError: invalid PUSHER_APPS: entry 1/);
  assert.throws(() => PusherApps.parse('1:k:short'), /invalid PUSHER_APPS/);
  assert.throws(() => PusherApps.parse('1:k:secret-long-enough,1:j:secret-long-enough'), /used twice/);
  assert.throws(() => PusherApps.parse('/nonexistent/apps.json'), /invalid PUSHER_APPS: cannot read/);
});

test('PUSHER_APPS: a JSON file sets options per app', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pusher-apps-'));
  const file = join(dir, 'apps.json');
  writeFileSync(file, JSON.stringify([{ id: 'a', key: 'k', secret: 'secret-long', clientEvents: true, maxConnections: 5 }]));
  const app = PusherApps.parse(file).withKey('k');
  assert.equal(app?.clientEvents, true);
  assert.equal(app?.maxConnections, 5);
  writeFileSync(file, JSON.stringify([{ id: 'a', key: 'k', secret: 'secret-long', clientEvents: 'yes' }]));
  assert.throws(() => PusherApps.parse(file), /clientEvents/);
});

test('channels map one-to-one onto reserved topics, one token per channel', () => {
  const names = ['my-channel', 'private-a.b', 'presence-x=y,z;w', 'a.b', 'private-encrypted-q'];
  for (const name of names) {
    assert.ok(isValidChannel(name), name);
    const topic = channelTopic('app1', name);
    assert.ok(isReservedTopic(topic));
    assert.equal(topic.split('.').length, 3, topic);
    assert.deepEqual(topicChannel(topic), { appId: 'app1', channel: name });
  }
  // `~` (the escape) is not a channel character, so no channel can collide with an escaped one.
  assert.equal(isValidChannel('a~2Eb'), false);
  assert.equal(isValidChannel('a b'), false);
  assert.equal(isValidChannel('x'.repeat(165)), false);
  assert.equal(channelKind('private-encrypted-x'), 'encrypted');
  assert.equal(channelKind('presence-x'), 'presence');
});

test('no native wildcard reaches a Pusher topic, and native patterns cannot name one', () => {
  const topic = channelTopic('app1', 'news');
  for (const pattern of ['>', '*.*.*', '$pusher.>', '$pusher.app1.*']) assert.equal(matchTopic(pattern, topic), false, pattern);
  assert.equal(isValidPattern('$pusher.app1.news'), false);
});

test('an event is framed by slicing the bus bytes; exclusion is read without parsing', () => {
  const event = { event: 'e', channel: 'c.d', data: '{"x":1}' };
  const plain = Buffer.from(encodeMessageFrame(channelTopic('1', 'c.d'), 7, encodePusherEvent(event)));
  const split = splitPusherEvent(plain);
  assert.deepEqual(JSON.parse(Buffer.from(split?.frame ?? []).toString()), event);
  assert.equal(split?.exclude, null);
  const excluded = Buffer.from(encodeMessageFrame(channelTopic('1', 'c.d'), null, encodePusherEvent(event, '123.456')));
  const split2 = splitPusherEvent(excluded);
  assert.equal(split2?.exclude, '123.456');
  assert.deepEqual(JSON.parse(Buffer.from(split2?.frame ?? []).toString()), event);
  assert.throws(() => encodePusherEvent(event, '1","frame":{'));
});

test('signatures: channel auth and the request signing string', () => {
  // Pusher's documented example (https://pusher.com/docs/channels/library_auth_reference/auth-signatures/).
  assert.equal(
    channelAuth('278d425bdf160c739803', '7ad3773142a6692b25b8', '1234.1234', 'private-foobar'),
    '278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4',
  );
  const params = new Map([
    ['auth_version', '1.0'],
    ['Auth_Key', 'k'],
    ['auth_signature', 'x'],
  ]);
  assert.equal(requestSigningString('post', '/apps/1/events', params), 'POST\n/apps/1/events\nauth_key=k&auth_version=1.0');
});
