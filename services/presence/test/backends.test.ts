/**
 * The reserved presence topics on every real bus backend: reports and sync requests on
 * `$sb.presence.*`, and user events on `$presence.users` through that backend's history store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openBackend } from '@switchboard/backends';
import type { Bus } from '@switchboard/bus';
import { parseEnv } from '@switchboard/config';
import { PresenceReporter } from '@switchboard/edge';
import { type HistoryStore, Publisher } from '@switchboard/history';
import type { PresenceSource } from '@switchboard/presence-report';
import { PRESENCE_USERS_TOPIC, readMessageHeader } from '@switchboard/protocol';
import { createLogger } from '@switchboard/telemetry';
import { type BrokerHandle, startNats, startRedis, startRedisCluster } from '@switchboard/testkit';
import { presenceSettingsEnv } from '../src/config.js';
import { PresenceService } from '../src/presence-service.js';
import { sleep, until } from './support.js';

const INTERVAL = 100;
const log = createLogger({ service: 'presence', nodeId: 'backends', level: 'silent' });

function edgeWith(users: string[]): PresenceSource & { users: string[] } {
  const state = {
    nodeId: 'edge-b',
    users,
    totals: () => ({ conns: state.users.length, subs: state.users.length, deliveries: 0 }),
    topics: () => [['room.x', new Set(state.users.map((user) => ({ session: { user } })))] as const],
    connectionUsers: () => state.users,
  };
  return state;
}

const backends: Array<[string, () => Promise<BrokerHandle>]> = [
  ['nats (JetStream history)', () => startNats({ jetstream: true })],
  ['redis', () => startRedis()],
  ['redis-cluster', () => startRedisCluster()],
];

for (const [name, start] of backends) {
  describe(`presence topics on ${name}`, { timeout: 30_000 }, () => {
    let broker: BrokerHandle;
    let bus: Bus;
    let history: HistoryStore | null;
    let service: PresenceService;
    let reporter: PresenceReporter;
    const prefix = `pb${process.pid}`;

    before(async () => {
      broker = await start();
      ({ bus, history } = await openBackend(broker.url, { prefix, history: { size: 10, ttlMs: 60_000 } }));
    });
    after(async () => {
      await reporter?.stop();
      await service?.stop();
      await bus?.close();
      await history?.close();
      await broker?.stop();
    });

    it('carries reports and sync requests, and publishes user events on $presence.users', async () => {
      const received: Array<{ offset: number | null; data: unknown }> = [];
      await bus.subscribe(PRESENCE_USERS_TOPIC, (_t, payload) => {
        const text = Buffer.from(payload).toString();
        received.push({ offset: readMessageHeader(payload)?.offset ?? null, data: JSON.parse(text).data });
      });
      const edge = edgeWith(['u1']);
      // The edge first: its first full report is lost (no replica yet); the replica's sync request brings another.
      reporter = new PresenceReporter({ bus, source: edge, intervalMs: INTERVAL, fullEvery: 0, log });
      reporter.start();
      await reporter.tick();
      service = await PresenceService.start({
        bus,
        publisher: new Publisher(bus, history),
        settings: parseEnv(presenceSettingsEnv, { PRESENCE_INTERVAL_MS: String(INTERVAL) }),
        replicaId: 'p',
        log,
        metrics: null,
      });
      await until(() => service.aggregator.topic('room.x').subscribers === 1, 'the report', 3000);
      assert.ok(reporter.stats.syncRequests >= 1, 'the sync request reached the edge');
      assert.deepEqual(service.aggregator.user('u1').online, true);
      await sleep(2 * INTERVAL); // past the replica's warm-up, when it announces nothing
      edge.users = [];
      const offline = () => received.find((r) => (r.data as { event: string }).event === 'offline');
      await until(() => offline() !== undefined, 'the offline event on $presence.users', 3000);
      const event = offline();
      assert.equal((event?.data as { user: string } | undefined)?.user, 'u1');
      const offset = event?.offset;
      assert.ok(typeof offset === 'number' && offset >= 1, 'stored in history with an offset');
    });
  });
}
