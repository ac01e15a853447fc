/**
 * The standalone api's Pusher channel queries ask the presence replicas over the bus: here the
 * all-in-one's presence service (a real one, on its memory bus) answers an api-side source on the
 * same bus; with no presence service the api answers 503 (Pusher's plain-text error shape).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryBroker, MemoryBus } from '@switchboard/backends';
import { Publisher } from '@switchboard/history';
import { createRoutedServer, listen } from '@switchboard/http';
import { PusherApps } from '@switchboard/pusher-protocol';
import { createLogger } from '@switchboard/telemetry';
import Pusher from 'pusher';
import PusherJs from 'pusher-js';
import { busChannelSource, NoPresenceAnswerError } from '../src/pusher/bus-channel-source.js';
import { pusherRoutes } from '../src/pusher/pusher-routes.js';
import { TestServer } from './support.js';

const APP = { id: 'app-q', key: 'key-q', secret: 'secret-q-12345' };
const log = createLogger({ service: 'test', nodeId: 'test', level: 'silent' });

describe('pusher channel queries over the bus', { timeout: 30_000 }, () => {
  let server: TestServer;
  let client: PusherJs;

  before(async () => {
    server = await TestServer.start({ PUSHER_APPS: `${APP.id}:${APP.key}:${APP.secret}`, PRESENCE_INTERVAL_MS: '100' });
    client = new PusherJs(APP.key, {
      cluster: 'local',
      wsHost: '127.0.0.1',
      wsPort: server.node.port,
      forceTLS: false,
      enabledTransports: ['ws'],
      disableStats: true,
    });
    await new Promise<void>((resolve) => client.connection.bind('connected', resolve));
    await new Promise<void>((resolve) => client.subscribe('news').bind('pusher:subscription_succeeded', resolve));
  });

  after(async () => {
    client?.disconnect();
    await server?.close();
  });

  it('a presence replica on the bus answers the selected channels', async () => {
    const source = busChannelSource(server.node.bus, 'api-test');
    const deadline = Date.now() + 5000;
    let list = await source.channels(APP.id, { prefix: '', users: false }).catch(() => []);
    while (list.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50)); // one report interval, and the replica's warm-up
      list = await source.channels(APP.id, { prefix: '', users: false }).catch(() => []);
    }
    assert.deepEqual(list, [{ channel: 'news', subscriptions: 1, userCount: 0, users: [] }]);
    assert.deepEqual(await source.channels(APP.id, { prefix: 'presence-', users: false }), []);
    assert.deepEqual(await source.channels(APP.id, { prefix: '', channel: 'news', users: true }), list);
    assert.deepEqual(await source.channels(APP.id, { prefix: '', channel: 'other', users: false }), []);
  });

  it('no presence service on the bus: the query fails after its timeout and the api answers 503', async () => {
    const bus = new MemoryBus(new MemoryBroker());
    const started = Date.now();
    await assert.rejects(busChannelSource(bus, 'api-lonely', 200).channels(APP.id, { prefix: '', users: false }), NoPresenceAnswerError);
    assert.ok(Date.now() - started >= 190);

    const config = {
      MAX_MESSAGE_BYTES: 65_536,
      MAX_BATCH_BYTES: 1_048_576,
      MAX_BATCH_MESSAGES: 100,
      API_RATE_LIMIT: 100,
      PUSHER_APPS: PusherApps.parse(`${APP.id}:${APP.key}:${APP.secret}`),
    };
    const routes = pusherRoutes({ config, publisher: new Publisher(bus, null), log, channels: busChannelSource(bus, 'api-lonely', 200) });
    const http = createRoutedServer([routes], log);
    const port = await listen(http, 0, '127.0.0.1');
    try {
      const lib = new Pusher({ appId: APP.id, key: APP.key, secret: APP.secret, host: '127.0.0.1', port: String(port), useTLS: false });
      await assert.rejects(lib.get({ path: '/channels' }), (err: { status?: number; body?: string }) => {
        assert.equal(err.status, 503);
        assert.match(String(err.body), /no presence service answered/);
        return true;
      });
    } finally {
      http.close();
      await bus.close();
    }
  });
});
