import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WsTestClient } from '@switchboard/testkit';
import type PusherJs from 'pusher-js';
import { TestServer } from '../test-server.js';
import {
  APP,
  authEndpoint,
  collect,
  OTHER_APP,
  PUSHER_APPS,
  pusherJs,
  pusherServer,
  signedFetch,
  subscribed,
  until,
} from './pusher-kit.js';

let server: TestServer;
let auth: Awaited<ReturnType<typeof authEndpoint>>;
const clients: PusherJs[] = [];
const connect = async (options: Parameters<typeof pusherJs>[1] = {}) => {
  const client = await pusherJs(server.url, { authUrl: auth.url, ...options });
  clients.push(client);
  return client;
};

before(async () => {
  server = await TestServer.start({ PUSHER_APPS: PUSHER_APPS });
  auth = await authEndpoint(pusherServer(server.url));
});

after(async () => {
  for (const c of clients) c.disconnect();
  auth.server.close();
  await server.close();
});

test('pusher-js receives an event the pusher library triggers through the HTTP API', async () => {
  const client = await connect();
  const channel = await subscribed(client, 'orders.eu=1');
  const got = collect(channel, 'order-placed');
  await pusherServer(server.url).trigger('orders.eu=1', 'order-placed', { id: 7 });
  await until(() => got.length === 1, 'the event');
  assert.deepEqual(got[0], { id: 7 });
});

test('trigger to several channels, batch, and socket_id exclusion', async () => {
  const a = await connect();
  const b = await connect();
  const [ca, cb] = [await subscribed(a, 'room'), await subscribed(b, 'room')];
  const gotA = collect(ca, 'say');
  const gotB = collect(cb, 'say');
  const other = collect(await subscribed(a, 'hall'), 'say');
  const lib = pusherServer(server.url);
  await lib.trigger(['room', 'hall'], 'say', 'hi', { socket_id: a.connection.socket_id });
  await until(() => gotB.length === 1, 'b gets it');
  await lib.triggerBatch([{ channel: 'room', name: 'say', data: 'batched' }]);
  await until(() => gotA.length === 1 && gotB.length === 2, 'the batch');
  assert.deepEqual(gotA, ['batched'], 'a was excluded from the first event');
  assert.deepEqual(other, [], 'a is excluded on every channel of the event');
});

test('a private channel subscribes through the auth endpoint; a wrong signature gets 4009', async () => {
  const client = await connect();
  const channel = await subscribed(client, 'private-orders');
  const got = collect(channel, 'paid');
  await pusherServer(server.url).trigger('private-orders', 'paid', { n: 1 });
  await until(() => got.length === 1, 'the private event');

  const wrongAuth = await authEndpoint(pusherServer(server.url, { ...APP, secret: 'not-the-secret' }));
  try {
    const bad = await connect({ authUrl: wrongAuth.url });
    const errors: Array<{ data?: { code?: number } }> = [];
    bad.connection.bind('error', (e: { data?: { code?: number } }) => errors.push(e));
    await assert.rejects(subscribed(bad, 'private-orders'), /AuthError/);
    await until(() => errors.some((e) => e.data?.code === 4009), 'pusher:error 4009');
  } finally {
    wrongAuth.server.close();
  }
});

test('client events: refused unless the app enables them', async () => {
  const client = await connect();
  await subscribed(client, 'private-chat');
  const errors: Array<{ data?: { message?: string } }> = [];
  client.connection.bind('error', (e: { data?: { message?: string } }) => errors.push(e));
  client.channel('private-chat').trigger('client-typing', { who: 'me' });
  await until(() => errors.some((e) => /not enabled/.test(e.data?.message ?? '')), 'the refusal');
});

test('the HTTP API refuses a bad signature, an unknown app and too many channels', async () => {
  const wrong = pusherServer(server.url, { ...APP, secret: 'wrong-secret-123' });
  await assert.rejects(wrong.trigger('room', 'x', 'y'), (err: { status?: number }) => err.status === 401);
  const unknown = pusherServer(server.url, { id: 'nope', key: 'k', secret: 'secret-12345' });
  await assert.rejects(unknown.trigger('room', 'x', 'y'), (err: { status?: number }) => err.status === 404);
  const channels = Array.from({ length: 101 }, (_, i) => `c${i}`);
  const unsigned = await fetch(`${server.url}/apps/${APP.id}/events`, {
    method: 'POST',
    body: JSON.stringify({ name: 'x', data: '', channels }),
  });
  assert.equal(unsigned.status, 401, 'unsigned');
  const tooMany = await signedFetch(server.url, 'POST', `/apps/${APP.id}/events`, JSON.stringify({ name: 'x', data: '', channels }));
  assert.equal(tooMany.status, 400);
  assert.match(await tooMany.text(), /1-100 channels/);
  const ok = await signedFetch(
    server.url,
    'POST',
    `/apps/${APP.id}/events`,
    JSON.stringify({ name: 'x', data: '', channels: channels.slice(1) }),
  );
  assert.equal(ok.status, 200);
  const stale = await fetch(`${server.url}/apps/${APP.id}/events?auth_key=${APP.key}&auth_timestamp=1&auth_version=1.0&auth_signature=x`, {
    method: 'POST',
    body: '{}',
  });
  assert.match(await stale.text(), /Timestamp expired/);
  const badJson = await signedFetch(server.url, 'POST', `/apps/${APP.id}/events`, '{"name":');
  assert.equal(badJson.status, 400);
});

test('GET channels lists occupied channels (from presence), with user_count for presence channels', async () => {
  const client = await connect();
  await subscribed(client, 'listed-channel');
  const lib = pusherServer(server.url);
  const deadline = Date.now() + 8000;
  let channels: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    const res = await lib.get({ path: '/channels', params: { filter_by_prefix: 'listed-' } });
    channels = ((await res.json()) as { channels: Record<string, unknown> }).channels;
    if ('listed-channel' in channels) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(channels, { 'listed-channel': {} });
  const one = await lib.get({ path: '/channels/listed-channel', params: { info: 'subscription_count' } });
  assert.deepEqual(await one.json(), { occupied: true, subscription_count: 1 });
});

test('isolation: native topics, and each app, never see each other', async () => {
  const native = await WsTestClient.connect(server.wsUrl);
  try {
    // Native clients cannot name a Pusher topic, nor reach one through a wildcard.
    native.send({ op: 'subscribe', id: 1, topic: '$pusher.app-1.news' });
    const refused = await native.next((f) => f.id === 1);
    assert.equal(refused.op, 'error');
    native.send({ op: 'subscribe', id: 2, topic: '>' });
    await native.next((f) => f.id === 2 && f.op === 'ack');
    native.send({ op: 'publish', id: 3, topic: '$pusher.app-1.news', data: { forged: true } });
    assert.equal((await native.next((f) => f.id === 3)).op, 'error');

    const one = await connect();
    const two = await connect({ key: OTHER_APP.key });
    const gotOne = collect(await subscribed(one, 'news'), 'e');
    const gotTwo = collect(await subscribed(two, 'news'), 'e');
    await pusherServer(server.url).trigger('news', 'e', 'for app 1');
    await pusherServer(server.url, OTHER_APP).trigger('news', 'e', 'for app 2');
    await server.publish('news', { native: true });
    await until(() => gotOne.length === 1 && gotTwo.length === 1, 'one event per app');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(gotOne, ['for app 1']);
    assert.deepEqual(gotTwo, ['for app 2']);
    const nativeGot = native.frames.filter((f) => f.op === 'message');
    assert.deepEqual(
      nativeGot.map((f) => f.topic),
      ['news'],
      'the native wildcard subscriber got the native message only',
    );
  } finally {
    native.close();
  }
});

test('an unknown app key gets pusher:error 4001 and the close', async () => {
  const ws = await WsTestClient.connect(`ws://127.0.0.1:${server.node.port}/app/unknown-key?protocol=7`, { welcome: false });
  const closed = await ws.closed;
  assert.equal(closed.code, 4001);
});

test('a connection is welcomed with pusher:connection_established: a socket id and activity_timeout = HEARTBEAT_MS in s', async () => {
  const ws = await WsTestClient.connect(`ws://127.0.0.1:${server.node.port}/app/${APP.key}?protocol=7`, { welcome: false });
  try {
    const established = await ws.next((f) => f.event === 'pusher:connection_established');
    const data = JSON.parse(String(established.data)) as { socket_id: string; activity_timeout: number };
    assert.match(data.socket_id, /^\d+\.\d+$/);
    assert.equal(data.activity_timeout, 25, 'the default HEARTBEAT_MS, 25000 ms');
    // Nothing native leaks onto a Pusher connection: the welcome is the only frame so far.
    assert.deepEqual(
      ws.frames.map((f) => f.event ?? f.op),
      ['pusher:connection_established'],
    );
  } finally {
    ws.close();
  }
});
