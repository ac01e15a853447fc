/**
 * Subscription counting with unmodified pusher-js: `pusher:subscription_count` when a channel's
 * cluster-wide count changes, once per change though two presence replicas publish it; and the
 * `subscription_count` webhook, sent once per change by the oldest of the two replicas.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseEnv } from '@switchboard/config';
import { Publisher } from '@switchboard/history';
import { PresenceService, presenceSettingsEnv } from '@switchboard/presence';
import { createLogger } from '@switchboard/telemetry';
import { WebhookReceiver } from '@switchboard/testkit';
import type PusherJs from 'pusher-js';
import { TestServer } from '../test-server.js';
import { APP, appsFile, pusherJs, pusherServer, subscribed, until, webhookEvents } from './pusher-kit.js';

const INTERVAL_MS = 200;
let server: TestServer;
let second: PresenceService;
let hook: WebhookReceiver;
const clients: PusherJs[] = [];

before(async () => {
  hook = await WebhookReceiver.start();
  const PUSHER_APPS = appsFile([
    { ...APP, subscriptionCountEvents: true, webhooks: [{ url: hook.url, event_types: ['subscription_count'] }] },
  ]);
  server = await TestServer.start({ PUSHER_APPS, PRESENCE_INTERVAL_MS: String(INTERVAL_MS) });
  // A second presence replica on the same bus: it publishes every count event too.
  second = await PresenceService.start({
    bus: server.node.bus,
    publisher: new Publisher(server.node.bus, null),
    settings: parseEnv(presenceSettingsEnv, { PUSHER_APPS, PRESENCE_INTERVAL_MS: String(INTERVAL_MS) }),
    replicaId: 'second',
    log: createLogger({ service: 'presence', nodeId: 'second', level: 'silent' }),
    metrics: null,
  });
  // Replicas send webhooks once past their quiet time (2 intervals after start).
  await until(() => !server.node.presence.aggregator.quiet() && !second.aggregator.quiet(), 'the quiet time');
});

after(async () => {
  for (const c of clients) c.disconnect();
  await second?.stop();
  await server?.close();
  await hook?.close();
});

test('pusher:subscription_count follows the count, each change once with two replicas', async () => {
  const counts: number[] = [];
  const a = await pusherJs(server.url);
  const b = await pusherJs(server.url);
  clients.push(a, b);
  const chA = await subscribed(a, 'counted');
  chA.bind('pusher:subscription_count', (data: { subscription_count: number }) => counts.push(data.subscription_count));
  await until(() => counts.includes(1), 'count 1');
  await subscribed(b, 'counted');
  await until(() => counts.includes(2), 'count 2');
  b.unsubscribe('counted');
  await until(() => counts.at(-1) === 1 && counts.length >= 3, 'count back to 1');
  await new Promise((r) => setTimeout(r, 4 * INTERVAL_MS));
  assert.deepEqual(counts, [1, 2, 1], 'each change once');
  assert.equal((chA as unknown as { subscriptionCount: number }).subscriptionCount, 1);
  // The subscription_count webhook: once per change for the cluster, sent by the oldest replica only.
  await until(() => webhookEvents(hook, pusherServer(server.url)).length >= 3, 'three webhook events');
  await new Promise((r) => setTimeout(r, 4 * INTERVAL_MS)); // a duplicate from the other replica would be here by now
  const hooked = webhookEvents(hook, pusherServer(server.url)) as unknown as Array<{
    name: string;
    channel: string;
    subscription_count: number;
  }>;
  assert.ok(hooked.every((e) => e.name === 'subscription_count' && e.channel === 'counted'));
  assert.deepEqual(
    hooked.map((e) => e.subscription_count),
    [1, 2, 1],
    'each change once, in order',
  );
  assert.equal(
    second.pusherWebhooks?.leftToSender !== undefined && second.pusherWebhooks.leftToSender >= 3,
    true,
    'the younger replica left them to the sender',
  );
});
