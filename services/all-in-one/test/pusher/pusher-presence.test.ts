import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type PusherJs from 'pusher-js';
import { TestServer } from '../test-server.js';
import { APP, authEndpoint, collect, memberClient, PUSHER_APPS, pusherJs, pusherServer, subscribed, until } from './pusher-kit.js';

const INTERVAL_MS = 300;
let server: TestServer;
const clients: PusherJs[] = [];
const servers: Array<{ close(): void }> = [];

/** A pusher-js client whose auth endpoint grants presence as `id`. */
async function member(id: string): Promise<PusherJs> {
  const auth = await authEndpoint(pusherServer(server.url));
  auth.user = { id, name: `name-${id}` };
  servers.push(auth.server);
  const client = await pusherJs(server.url, { authUrl: auth.url });
  clients.push(client);
  return client;
}

type Members = { count: number; each(f: (m: { id: string; info: unknown }) => void): void };
const idsOf = (channel: { members: Members }) => {
  const ids: string[] = [];
  channel.members.each((m) => ids.push(m.id));
  return ids.sort();
};

before(async () => {
  server = await TestServer.start({ PUSHER_APPS, PRESENCE_INTERVAL_MS: String(INTERVAL_MS) });
});

after(async () => {
  for (const c of clients) c.disconnect();
  for (const s of servers) s.close();
  await server.close();
});

test('presence: member list, member_added / member_removed once each, users API', async () => {
  const ann = await member('ann');
  const chAnn = (await subscribed(ann, 'presence-room')) as unknown as { members: Members; bind: PusherJs['bind'] };
  assert.deepEqual(idsOf(chAnn), ['ann']);
  const added: Array<{ id: string; info: unknown }> = [];
  const removed: Array<{ id: string }> = [];
  chAnn.bind('pusher:member_added', (m: { id: string; info: unknown }) => added.push(m));
  chAnn.bind('pusher:member_removed', (m: { id: string }) => removed.push(m));

  const bob = await member('bob');
  const chBob = (await subscribed(bob, 'presence-room')) as unknown as { members: Members };
  assert.deepEqual(idsOf(chBob), ['ann', 'bob']);
  await until(() => added.length === 1, 'ann sees bob join');
  assert.deepEqual(added[0], { id: 'bob', info: { name: 'name-bob' } });

  // The presence service confirms bob a report later: its event must not reach ann twice.
  await new Promise((r) => setTimeout(r, 4 * INTERVAL_MS));
  assert.equal(added.length, 1);
  const res = await pusherServer(server.url).get({ path: '/channels/presence-room/users' });
  assert.deepEqual(await res.json(), { users: [{ id: 'ann' }, { id: 'bob' }] });
  const count = await pusherServer(server.url).get({ path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count' } });
  assert.deepEqual(await count.json(), { channels: { 'presence-room': { user_count: 2 } } });

  bob.disconnect();
  await until(() => removed.length === 1, 'ann sees bob leave', 5000);
  assert.equal(removed[0]?.id, 'bob');
  assert.deepEqual(idsOf(chAnn), ['ann']);
});

test('presence: an event from the api reaches members', async () => {
  const cat = await member('cat');
  const ch = await subscribed(cat, 'presence-news');
  const got = collect(ch, 'headline');
  await pusherServer(server.url).trigger('presence-news', 'headline', 'hello');
  await until(() => got.length === 1, 'the event');
});

test('client events on an app that enables them: to the others, not echoed, with user_id on presence', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pusher-apps-'));
  const file = join(dir, 'apps.json');
  writeFileSync(file, JSON.stringify([{ ...APP, clientEvents: true }]));
  const chatty = await TestServer.start({ PUSHER_APPS: file, PRESENCE_INTERVAL_MS: String(INTERVAL_MS) });
  try {
    const join = (id: string) => memberClient(chatty.url, chatty.url, id, { clients, servers });
    const [dan, eve] = [await join('dan'), await join('eve')];
    const chDan = await subscribed(dan, 'presence-chat');
    const chEve = await subscribed(eve, 'presence-chat');
    const gotEve: Array<{ data: unknown; user_id?: string }> = [];
    chEve.bind('client-typing', (data: unknown, meta: { user_id?: string }) => gotEve.push({ data, user_id: meta?.user_id }));
    const gotDan = collect(chDan, 'client-typing');
    chDan.trigger('client-typing', { on: true });
    await until(() => gotEve.length === 1, 'eve gets dan’s client event');
    assert.deepEqual(gotEve[0], { data: { on: true }, user_id: 'dan' });
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(gotDan, [], 'not echoed to the sender');
  } finally {
    await chatty.close();
  }
});
