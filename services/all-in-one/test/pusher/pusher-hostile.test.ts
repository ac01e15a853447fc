/**
 * Hostile input on the Pusher endpoint: every resource a Pusher client can make the edge hold
 * is bounded, refused with the protocol's error, and a well-behaved client keeps its deliveries.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { channelAuth } from '@switchboard/pusher-protocol';
import { WsTestClient } from '@switchboard/testkit';
import type PusherJs from 'pusher-js';
import { TestServer } from '../test-server.js';
import { APP, collect, pusherJs, pusherServer, subscribed, until } from './pusher-kit.js';

const MAX_SUBSCRIPTIONS = 20;
let server: TestServer;
let good: PusherJs;
let goodGot: unknown[];

const socketIdOf = (frame: Record<string, unknown>) => (JSON.parse(String(frame.data)) as { socket_id: string }).socket_id;
const open = async () => {
  const ws = await WsTestClient.connect(`ws://127.0.0.1:${server.node.port}/app/${APP.key}?protocol=7`, { welcome: false });
  const established = await ws.next((f) => f.event === 'pusher:connection_established');
  return { ws, socketId: socketIdOf(established) };
};

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pusher-hostile-'));
  const file = join(dir, 'apps.json');
  writeFileSync(file, JSON.stringify([{ ...APP, maxConnections: 12, maxPresenceMembers: 3, maxUserInfoBytes: 200 }]));
  server = await TestServer.start({
    PUSHER_APPS: file,
    MAX_SUBSCRIPTIONS: String(MAX_SUBSCRIPTIONS),
    MESSAGE_RATE_LIMIT: '50',
    MESSAGE_RATE_BURST: '50',
  });
  good = await pusherJs(server.url);
  goodGot = collect(await subscribed(good, 'steady'), 'tick');
});

after(async () => {
  good.disconnect();
  await server.close();
});

const stillDelivering = async (n: number) => {
  await pusherServer(server.url).trigger('steady', 'tick', n);
  await until(() => goodGot.includes(n), `the well-behaved client's event ${n}`);
};

test('bounds: channels per connection, presence members and member size, junk frames', async () => {
  const rssBefore = process.memoryUsage().rss;
  const { ws, socketId } = await open();
  for (let i = 0; i < MAX_SUBSCRIPTIONS + 5; i++) ws.send({ event: 'pusher:subscribe', data: { channel: `c-${i}` } });
  await ws.next((f) => f.event === 'pusher:subscription_error' && (f.data as { type?: string }).type === 'LimitReached');
  ws.send({ event: 'pusher:subscribe', data: { channel: 'bad channel name' } });
  await ws.next((f) => f.event === 'pusher:error' && /invalid channel/.test(String((f.data as { message?: string }).message)));
  ws.send('not json' as unknown as object);
  ws.ws.send('{"no":"event"}');
  await ws.next((f) => f.event === 'pusher:error' && (f.data as { code?: unknown }).code === null);

  const big = JSON.stringify({ user_id: 'x', user_info: { blob: 'y'.repeat(500) } });
  const { ws: ws2, socketId: sid2 } = await open();
  ws2.send({
    event: 'pusher:subscribe',
    data: { channel: 'presence-p', channel_data: big, auth: channelAuth(APP.key, APP.secret, sid2, 'presence-p', big) },
  });
  await ws2.next((f) => f.event === 'pusher:subscription_error' && (f.data as { type?: string }).type === 'InvalidChannelData');
  // Forged auth for another socket id: refused with 4009.
  ws2.send({ event: 'pusher:subscribe', data: { channel: 'private-x', auth: channelAuth(APP.key, APP.secret, socketId, 'private-x') } });
  await ws2.next((f) => f.event === 'pusher:error' && (f.data as { code?: number }).code === 4009);
  ws.close();
  ws2.close();

  const members = [];
  for (let i = 0; i < 4; i++) {
    const { ws: m, socketId: sid } = await open();
    members.push(m);
    const data = JSON.stringify({ user_id: `m${i}` });
    m.send({
      event: 'pusher:subscribe',
      data: { channel: 'presence-full', channel_data: data, auth: channelAuth(APP.key, APP.secret, sid, 'presence-full', data) },
    });
    const answer = await m.next((f) => String(f.event).includes('subscription'), 5000);
    assert.equal(answer.event, i < 3 ? 'pusher_internal:subscription_succeeded' : 'pusher:subscription_error', `member ${i}`);
  }
  for (const m of members) m.close();
  await stillDelivering(1);
  assert.ok(process.memoryUsage().rss - rssBefore < 64 * 1024 * 1024, 'RSS stays bounded');
});

test('bounds: connections per app (4100), frame rate (4301 then close 4100), unknown key (4001), bad version (4007)', async () => {
  const held = [];
  let refused: { code: number } | null = null;
  for (let i = 0; i < 14 && refused === null; i++) {
    const ws = await WsTestClient.connect(`ws://127.0.0.1:${server.node.port}/app/${APP.key}?protocol=7`, { welcome: false });
    held.push(ws);
    const first = await ws.next(() => true);
    if (first.event === 'pusher:error') refused = await ws.closed;
  }
  assert.equal(refused?.code, 4100, 'the app is over its maxConnections');
  for (const ws of held) ws.close();
  await until(() => server.node.edge.sessions.size <= 2, 'the held connections closed');

  const { ws } = await open();
  for (let i = 0; i < 200; i++) ws.send({ event: 'pusher:ping', data: {} });
  await ws.next((f) => f.event === 'pusher:error' && (f.data as { code?: number }).code === 4301);
  assert.equal((await ws.closed).code, 4100);

  const unknown = await WsTestClient.connect(`ws://127.0.0.1:${server.node.port}/app/nope?protocol=7`, { welcome: false });
  assert.equal((await unknown.closed).code, 4001);
  const old = await WsTestClient.connect(`ws://127.0.0.1:${server.node.port}/app/${APP.key}?protocol=3`, { welcome: false });
  assert.equal((await old.closed).code, 4007);
  await stillDelivering(2);
});
