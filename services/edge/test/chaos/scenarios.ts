/**
 * Zero-loss failover through a real HAProxy: kill -9 of an edge, and a rolling restart, while
 * the api publishes 200 msg/s over 50 topics to 600 SDK clients. Run once per bus backend.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BrokerHandle, type HaproxyHandle, startCluster, startHaproxy, type TestCluster } from '@switchboard/testkit';
import { assertNothingLost, type FleetClient, percentile, startFleet, startPublisher, until } from './fleet.js';

const CLIENTS = 600;
const TOPICS = 50;
const RATE = 200;

export function runChaosScenarios(name: string, startBroker: () => Promise<BrokerHandle>): void {
  describe(`failover through HAProxy on ${name}`, { timeout: 240_000 }, () => {
    let broker: BrokerHandle;
    let cluster: TestCluster;
    let lb: HaproxyHandle;
    before(async () => {
      broker = await startBroker();
      cluster = await startCluster({
        busUrl: broker.url,
        edges: 3,
        env: { BUS_PREFIX: `c${process.pid}`, HISTORY_SIZE: '5000', DRAIN_NOTICE_MS: '600', DRAIN_TIMEOUT_MS: '4000' },
      });
      lb = await startHaproxy(cluster.edges.map((e) => ({ name: e.name, port: e.port })));
    });
    after(async () => {
      await lb?.stop();
      await cluster?.stop();
      await broker?.stop();
    });

    const closeFleet = (fleet: FleetClient[]) => {
      for (const m of fleet) m.client.close();
    };

    it(`a: kill -9 of one of 3 edges loses and duplicates nothing for ${CLIENTS} clients`, async (t) => {
      const fleet = await startFleet(lb.wsUrl, CLIENTS, TOPICS, 'kill');
      t.after(() => closeFleet(fleet));
      const publisher = startPublisher(cluster.api.url, [...new Set(fleet.map((m) => m.topic))], RATE);
      await until(() => publisher.count >= RATE * 2, 'two seconds of traffic', 20_000);
      const victim = cluster.edges[1];
      assert.ok(victim);
      const onVictim = fleet.filter((m) => m.nodes.at(-1) === victim.name);
      assert.ok(onVictim.length > 0, 'the load balancer spread clients to the victim');
      await victim.kill();
      await until(() => onVictim.every((m) => m.reconnects.length > 0), 'the victim’s clients to reconnect elsewhere', 60_000);
      const sent = publisher.count;
      await until(() => publisher.count >= sent + RATE * 2, 'two more seconds of traffic', 20_000);
      await publisher.stop();
      const { lost, duplicated } = await assertNothingLost(fleet, publisher.accepted, 60_000);
      const reconnects = onVictim.flatMap((m) => m.reconnects);
      const report = {
        backend: name,
        clients: CLIENTS,
        moved: onVictim.length,
        messages: publisher.count,
        lost,
        duplicated,
        reconnectP50Ms: percentile(reconnects, 50),
        reconnectP99Ms: percentile(reconnects, 99),
      };
      console.log(`# chaos kill -9 ${JSON.stringify(report)}`);
      assert.deepEqual(publisher.refused, []);
      assert.ok(onVictim.every((m) => m.nodes.at(-1) !== victim.name));
      closeFleet(fleet);
      await victim.start();
    });

    it(`b: a rolling restart (SIGTERM, then start) loses nothing and shows no client an error`, async (t) => {
      const fleet = await startFleet(lb.wsUrl, CLIENTS, TOPICS, 'roll');
      t.after(() => closeFleet(fleet));
      const publisher = startPublisher(cluster.api.url, [...new Set(fleet.map((m) => m.topic))], RATE);
      await until(() => publisher.count >= RATE, 'a second of traffic', 20_000);
      for (const edge of cluster.edges) {
        assert.equal(await edge.stop(), 0, `${edge.name} exits 0 after draining`);
        await edge.start();
      }
      const sent = publisher.count;
      await until(() => publisher.count >= sent + RATE, 'a second more of traffic', 20_000);
      await publisher.stop();
      const { lost, duplicated } = await assertNothingLost(fleet, publisher.accepted, 60_000);
      const reconnects = fleet.flatMap((m) => m.reconnects);
      const report = {
        backend: name,
        clients: CLIENTS,
        messages: publisher.count,
        lost,
        duplicated,
        reconnects: reconnects.length,
        reconnectP50Ms: percentile(reconnects, 50),
        reconnectP99Ms: percentile(reconnects, 99),
      };
      console.log(`# chaos rolling restart ${JSON.stringify(report)}`);
      assert.deepEqual(publisher.refused, []);
      assert.deepEqual(
        fleet.flatMap((m) => m.errors),
        [],
        'no client saw an error',
      );
      assert.equal(
        fleet.reduce((sum, m) => sum + m.gaps, 0),
        0,
        'no client was told of a gap',
      );
      closeFleet(fleet);
    });
  });
}
