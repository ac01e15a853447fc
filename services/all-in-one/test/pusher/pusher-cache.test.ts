/**
 * Cache channels with unmodified pusher-js: the last event (from history) right after
 * subscription_succeeded, `pusher:cache_miss` when there is none, member events never cached.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type PusherJs from 'pusher-js';
import { TestServer } from '../test-server.js';
import { collect, memberClient, type Opened, PUSHER_APPS, pusherServer, subscribed, until } from './pusher-kit.js';

let server: TestServer;
const opened: Opened = { clients: [], servers: [] };
const client = (id = 'u') => memberClient(server.url, server.url, id, opened);

/** Subscribes, recording every event of the channel in order (cache_miss included) from the start. */
async function watch(c: PusherJs, name: string): Promise<Array<[string, unknown]>> {
  const got: Array<[string, unknown]> = [];
  c.subscribe(name).bind_global((event: string, data: unknown) => {
    if (!event.startsWith('pusher:subscription_') && !event.startsWith('pusher:member_')) got.push([event, data]);
  });
  await subscribed(c, name);
  return got;
}

before(async () => {
  server = await TestServer.start({ PUSHER_APPS, PRESENCE_INTERVAL_MS: '200' });
});

after(async () => {
  for (const c of opened.clients) c.disconnect();
  for (const a of opened.servers) a.close();
  await server.close();
});

test('cache channel: cache_miss when empty, then the last event to each new subscriber, then live ones', async () => {
  const lib = pusherServer(server.url);
  const first = await watch(await client(), 'cache-prices');
  await until(() => first.length === 1, 'cache_miss');
  assert.deepEqual(first, [['pusher:cache_miss', undefined]]);
  await lib.trigger('cache-prices', 'tick', { p: 1 });
  await lib.trigger('cache-prices', 'tick', { p: 2 });
  await until(() => first.length === 3, 'live events to the first subscriber');

  const second = await watch(await client(), 'cache-prices');
  await until(() => second.length === 1, 'the cached event');
  await lib.trigger('cache-prices', 'tick', { p: 3 });
  await until(() => second.length === 2, 'a live event after the cached one');
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(second, [
    ['tick', { p: 2 }],
    ['tick', { p: 3 }],
  ]);
  // A plain channel has no cache.
  const plain = await client();
  const none = collect(await subscribed(plain, 'prices'), 'pusher:cache_miss');
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(none, []);
});

test('presence cache channel: member events are not the cached event', async () => {
  const lib = pusherServer(server.url);
  await subscribed(await client('ann'), 'presence-cache-room');
  await lib.trigger('presence-cache-room', 'topic', 'hello');
  await subscribed(await client('bob'), 'presence-cache-room'); // a member_added after the event
  await new Promise((r) => setTimeout(r, 600)); // the presence service publishes member events too
  const cat = await watch(await client('cat'), 'presence-cache-room');
  await until(() => cat.length >= 1, 'the cached event');
  assert.deepEqual(cat[0], ['topic', 'hello']);
});
