/**
 * Pusher webhooks in one process (memory bus): unmodified pusher-js clients, a receiver this test
 * serves, every request verified with the `pusher` library's webhook() helper.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebhookReceiver } from '@switchboard/testkit';
import { TestServer } from '../test-server.js';
import {
  APP,
  appsFile,
  memberClient,
  named,
  type Opened,
  OTHER_APP,
  pusherServer,
  subscribed,
  until,
  webhookEvents,
} from './pusher-kit.js';

const INTERVAL_MS = 200;
/** Client event webhooks per second per edge in this test (burst 2×). */
const HOOK_RATE = 5;

describe('pusher webhooks (all-in-one)', { timeout: 60_000 }, () => {
  let server: TestServer;
  let all: WebhookReceiver;
  let typed: WebhookReceiver;
  let other: WebhookReceiver;
  const opened: Opened = { clients: [], servers: [] };
  const lib = () => pusherServer(server.url);
  const events = () => webhookEvents(all, lib());
  const client = (id: string) => memberClient(server.url, server.url, id, opened);
  /** Waits a few intervals so that anything late would have arrived. */
  const settle = () => new Promise((r) => setTimeout(r, 4 * INTERVAL_MS));

  before(async () => {
    [all, typed, other] = await Promise.all([
      WebhookReceiver.start('/all'),
      WebhookReceiver.start('/typed'),
      WebhookReceiver.start('/other'),
    ]);
    const file = appsFile([
      {
        ...APP,
        clientEvents: true,
        maxClientEventWebhooksPerSecond: HOOK_RATE,
        webhooks: [
          all.url,
          { url: typed.url, event_types: ['client_event', 'member_added'], filter: { channel_name_starts_with: 'presence-' } },
        ],
      },
      { ...OTHER_APP, webhooks: [{ url: other.url, event_types: ['channel_occupied'] }] },
    ]);
    server = await TestServer.start({ PUSHER_APPS: file, PRESENCE_INTERVAL_MS: String(INTERVAL_MS) });
    // A new presence replica announces nothing while it learns what exists (2 intervals).
    await until(() => !server.node.presence.aggregator.quiet(), 'the end of the quiet time');
  });

  after(async () => {
    for (const c of opened.clients) c.disconnect();
    for (const a of opened.servers) a.close();
    await server?.close();
    await Promise.all([all, typed, other].map((r) => r?.close()));
  });

  it('channel_occupied once when the first subscriber comes, channel_vacated once when the last goes', async () => {
    const [a, b] = [await client('a'), await client('b')];
    await subscribed(a, 'orders');
    await until(() => named(events(), 'channel_occupied', 'orders').length === 1, 'channel_occupied');
    await subscribed(b, 'orders');
    a.unsubscribe('orders');
    await settle();
    assert.deepEqual(named(events(), 'channel_occupied', 'orders'), ['orders']);
    assert.deepEqual(named(events(), 'channel_vacated', 'orders'), []);
    b.unsubscribe('orders');
    await until(() => named(events(), 'channel_vacated', 'orders').length === 1, 'channel_vacated');
    await settle();
    assert.deepEqual(named(events(), 'channel_vacated', 'orders'), ['orders']);
    assert.deepEqual(named(events(), 'channel_occupied', 'orders'), ['orders']);
    assert.equal(all.requests[0]?.headers['x-pusher-key'], APP.key);
    // The other app's webhook hears only its own app, only the event types it asked for.
    assert.deepEqual(webhookEvents(other, pusherServer(server.url, OTHER_APP)), []);
  });

  it('member_added / member_removed per user id on presence channels, between occupied and vacated', async () => {
    const ann = await client('ann');
    const bob = await client('bob');
    const bob2 = await client('bob'); // bob's second tab: one member
    await subscribed(ann, 'presence-room');
    await subscribed(bob, 'presence-room');
    await subscribed(bob2, 'presence-room');
    await until(() => named(events(), 'member_added', 'presence-room').length === 2, 'two member_added');
    bob.disconnect();
    await settle();
    assert.deepEqual(named(events(), 'member_removed', 'presence-room'), [], 'bob is still there (second tab)');
    bob2.disconnect();
    await until(() => named(events(), 'member_removed', 'presence-room').length === 1, 'bob removed');
    ann.unsubscribe('presence-room');
    await until(() => named(events(), 'channel_vacated', 'presence-room').length === 1, 'vacated');
    await settle();
    const room = events()
      .filter((e) => e.channel === 'presence-room')
      .map((e) => (e.user_id === undefined ? e.name : `${e.name}:${e.user_id}`));
    assert.deepEqual(room, [
      'channel_occupied',
      'member_added:ann',
      'member_added:bob',
      'member_removed:bob',
      'member_removed:ann',
      'channel_vacated',
    ]);
    // The filtered webhook: member_added on presence- channels only (not removed, not occupied).
    const onTyped = webhookEvents(typed, lib()).filter((e) => e.channel === 'presence-room');
    assert.deepEqual(
      onTyped.map((e) => `${e.name}:${e.user_id}`),
      ['member_added:ann', 'member_added:bob'],
    );
  });

  it('client_event with event, data, socket_id (and user_id on presence channels)', async () => {
    const [dan, eve] = [await client('dan'), await client('eve')];
    const chDan = await subscribed(dan, 'presence-chat');
    await subscribed(eve, 'presence-chat');
    const privDan = await subscribed(dan, 'private-chat');
    await subscribed(eve, 'private-chat');
    chDan.trigger('client-typing', { on: true });
    privDan.trigger('client-note', 'plain text');
    const clientEvents = () => events().filter((e) => e.name === 'client_event');
    await until(() => clientEvents().length === 2, 'two client_event webhooks');
    assert.deepEqual(clientEvents(), [
      {
        name: 'client_event',
        channel: 'presence-chat',
        event: 'client-typing',
        data: '{"on":true}',
        socket_id: dan.connection.socket_id,
        user_id: 'dan',
      },
      { name: 'client_event', channel: 'private-chat', event: 'client-note', data: 'plain text', socket_id: dan.connection.socket_id },
    ]);
    // The typed webhook: presence- channels only.
    await until(() => webhookEvents(typed, lib()).some((e) => e.name === 'client_event'), 'typed client_event');
    await settle();
    assert.deepEqual(
      webhookEvents(typed, lib())
        .filter((e) => e.name === 'client_event')
        .map((e) => e.channel),
      ['presence-chat'],
    );
  });

  it('client_event webhooks are bounded per app: past the rate they are dropped, the events still delivered', async () => {
    const [fay, gus] = [await client('fay'), await client('gus')];
    const chFay = await subscribed(fay, 'private-burst');
    const chGus = await subscribed(gus, 'private-burst');
    const got: unknown[] = [];
    chGus.bind('client-n', (d: unknown) => got.push(d));
    await new Promise((r) => setTimeout(r, 2000 / HOOK_RATE)); // the bucket refills from earlier tests
    const started = Date.now();
    const SENT = 40;
    for (let i = 0; i < SENT; i++) chFay.trigger('client-n', i);
    await until(() => got.length === SENT, 'every client event delivered');
    const elapsed = Date.now() - started;
    await settle();
    const hooked = events().filter((e) => e.channel === 'private-burst').length;
    const bound = 2 * HOOK_RATE + Math.ceil((HOOK_RATE * elapsed) / 1000);
    console.log(`# ${SENT} client events in ${elapsed} ms: ${hooked} client_event webhooks (bound ${bound})`);
    assert.ok(hooked >= 2 * HOOK_RATE && hooked <= bound, `${hooked} webhooks, expected ${2 * HOOK_RATE}..${bound}`);
    assert.ok(server.node.edge.pusher !== null && server.node.edge.pusher.clientEventReports.stats.dropped >= SENT - bound);
  });
});
