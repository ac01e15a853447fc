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
  decodeChannelQuery,
  decodeChannelReply,
  encodeChannelReply,
  encodePusherEvent,
  isValidChannel,
  PusherApps,
  requestSigningString,
  splitPusherEvent,
  topicChannel,
  webhookWants,
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

test('PUSHER_APPS: webhooks as URLs or soketi objects (event_types, filter); bad ones fail naming the app', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pusher-apps-'));
  const file = join(dir, 'apps.json');
  const write = (webhooks: unknown) => writeFileSync(file, JSON.stringify([{ id: 'a', key: 'k', secret: 'secret-long', webhooks }]));
  write([
    'http://127.0.0.1:1/all',
    {
      url: 'https://h.example/p',
      event_types: ['member_added'],
      filter: { channel_name_starts_with: 'presence-', channel_name_ends_with: '-x' },
    },
  ]);
  const [all, some] = PusherApps.parse(file).withKey('k')?.webhooks ?? [];
  assert.ok(all !== undefined && some !== undefined);
  assert.equal(webhookWants(all, 'client_event', 'private-a'), true);
  assert.equal(webhookWants(some, 'member_added', 'presence-room-x'), true);
  assert.equal(webhookWants(some, 'member_added', 'presence-room'), false, 'suffix');
  assert.equal(webhookWants(some, 'member_removed', 'presence-room-x'), false, 'event type');
  assert.equal(PusherApps.parse(file).withKey('k')?.maxClientEventWebhooksPerSecond, 100);
  for (const [bad, why] of [
    ['ftp://x', /url/],
    [{ url: 'http://x', event_types: ['channel_exploded'] }, /event_types/],
    [{ url: 'http://x', event_types: [] }, /event_types/],
    [{ url: 'http://x', filter: { channel_name_starts_with: 'no spaces' } }, /filter/],
    [42, /webhook 1/],
  ] as const) {
    write([bad]);
    assert.throws(() => PusherApps.parse(file), why);
  }
  write(Array.from({ length: 11 }, () => 'http://x'));
  assert.throws(() => PusherApps.parse(file), /at most 10/);
});

test('channel queries: hostile queries and replies are refused; large replies travel deflated', () => {
  const query = { id: 'q1', reply: '$sb.pusher.channels.api-1', app: 'a', prefix: '', users: false };
  assert.deepEqual(decodeChannelQuery(Buffer.from(JSON.stringify(query))), { ...query, channel: undefined });
  assert.equal(
    decodeChannelQuery(Buffer.from(JSON.stringify({ ...query, reply: '$pusher.a.victim' }))),
    null,
    'replies only on reply topics',
  );
  assert.equal(decodeChannelQuery(Buffer.from('{')), null);
  const channels = Array.from({ length: 2000 }, (_, i) => ({
    channel: `presence-room-${i}`,
    subscriptions: i + 1,
    userCount: 1,
    users: [`u${i}`],
  }));
  const bytes = encodeChannelReply({ id: 'q1', channels });
  assert.equal(bytes[0], 1, 'deflated');
  assert.ok(bytes.length < JSON.stringify(channels).length / 4, `${bytes.length} bytes`);
  assert.deepEqual(decodeChannelReply(bytes), { id: 'q1', channels });
  assert.equal(decodeChannelReply(Buffer.from(JSON.stringify({ id: 'q1', channels: [{ channel: 1 }] }))), null);
  assert.equal(decodeChannelReply(Buffer.from([1, 2, 3])), null);
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
