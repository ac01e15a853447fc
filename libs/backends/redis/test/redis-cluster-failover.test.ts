/**
 * Redis Cluster 3 masters + 3 replicas loses a master (kill -9): the bus and the history follow
 * the promotion by themselves, only the lost shard's topics are refused meanwhile, and what was
 * acknowledged just before the kill is still there after it, at its offset.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BusState, BusUnavailableError } from '@switchboard/bus';
import { type BrokerNode, type RedisClusterHandle, startLocalRedisCluster } from '@switchboard/testkit';
import { RedisBus } from '../redis-bus.js';
import { RedisHistory } from '../redis-history.js';
import { redisChannel } from '../redis-keys.js';
import { redisKeySlot } from '../redis-slot.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** The port of the master that serves a slot, read from the node itself. */
async function masterPortOf(history: RedisHistory, topic: string, prefix: string): Promise<number> {
  const slot = redisKeySlot(redisChannel(prefix, topic));
  const owner = (history as unknown as { client: { slots: string[][] } }).client.slots[slot]?.[0] ?? '';
  return Number(owner.split(':').pop());
}

describe('Redis Cluster (3 + 3) loses a master', { timeout: 90_000 }, () => {
  let cluster: RedisClusterHandle;
  before(async () => {
    cluster = await startLocalRedisCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 2000 });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('keeps every acknowledged append at its offset across kill -9 of its master (HISTORY_REPLICAS=2: WAIT 1)', async () => {
    const prefix = `w${process.pid}`;
    const history = await RedisHistory.connect(cluster.url, { size: 1000, ttlMs: 60_000 }, { prefix, replicas: 2 });
    const bus = await RedisBus.connect(cluster.url, { prefix });
    try {
      const topics = Array.from({ length: 12 }, (_, i) => `ack.t${i}`);
      const acked = new Map<string, Array<{ offset: number; data: string }>>(topics.map((t) => [t, []]));
      // Acknowledged appends right up to the kill: the kill is sent the moment the last ack arrives.
      const victimPort = await masterPortOf(history, topics[0] as string, prefix);
      const victim = cluster.nodes.find((n) => n.port === victimPort) as BrokerNode;
      assert.ok(victim, 'the master of the first topic is one of the nodes');
      const onVictim: string[] = [];
      for (const topic of topics) if ((await masterPortOf(history, topic, prefix)) === victimPort) onVictim.push(topic);
      const elsewhere = topics.filter((t) => !onVictim.includes(t));
      assert.ok(onVictim.length > 0 && elsewhere.length > 0, 'topics on the victim and on other shards');
      for (let round = 0; round < 20; round++) {
        await Promise.all(
          topics.map(async (topic) => {
            const data = JSON.stringify({ topic, round });
            const { offset } = await history.append(topic, data);
            acked.get(topic)?.push({ offset, data });
          }),
        );
      }
      const states: BusState[] = [];
      bus.onStateChange((s) => states.push(s));
      const killedAt = Date.now();
      await victim.kill();

      // Meanwhile: the other shards accept; the lost shard refuses at once (no hang).
      await sleep(300);
      for (const topic of elsewhere) {
        const { offset } = await history.append(topic, JSON.stringify({ topic, during: true }));
        acked.get(topic)?.push({ offset, data: JSON.stringify({ topic, during: true }) });
      }
      const lostTopic = onVictim[0] as string;
      await assert.rejects(bus.publish(lostTopic, Buffer.from('x')), BusUnavailableError);
      await bus.publish(elsewhere[0] as string, Buffer.from('x'));
      assert.equal(bus.state, 'up', 'the bus stays up for the shards that live');

      // The replica takes over; appends to the lost shard succeed again, by themselves.
      await until(
        async () =>
          history.append(lostTopic, JSON.stringify({ probe: true })).then(
            () => true,
            () => false,
          ),
        'an append to the failed-over shard',
        15_000,
      );
      const recoveredMs = Date.now() - killedAt;
      await until(() => states.includes('down') && bus.state === 'up', 'the bus to announce its shards whole', 10_000);
      console.log(`# redis cluster failover: appends to the lost shard accepted again ${recoveredMs} ms after the kill`);
      assert.ok(recoveredMs < 10_000);

      // Every acknowledged append is still there, at its offset, with its data; none reused.
      for (const topic of topics) {
        const page = await history.since(topic, 0, 1000);
        const stored = new Map(page.messages.map((m) => [m.offset, m.data]));
        for (const { offset, data } of acked.get(topic) ?? []) assert.equal(stored.get(offset), data, `${topic} offset ${offset}`);
      }
      await victim.restart();
    } finally {
      await bus.close();
      await history.close();
    }
  });

  it('resubscribes the lost shard’s channels on the promoted replica', async () => {
    await cluster.waitHealthy(20_000);
    const prefix = `s${process.pid}`;
    const bus = await RedisBus.connect(cluster.url, { prefix });
    const history = await RedisHistory.connect(cluster.url, { size: 10, ttlMs: 60_000 }, { prefix });
    try {
      const topics = Array.from({ length: 9 }, (_, i) => `sub.t${i}`);
      const got = new Map<string, number>(topics.map((t) => [t, 0]));
      for (const topic of topics) await bus.subscribe(topic, (t) => got.set(t, (got.get(t) ?? 0) + 1));
      const [victim] = await cluster.masters();
      assert.ok(victim);
      await victim.kill();
      await until(
        async () => {
          for (const topic of topics) {
            const ok = await bus.publish(topic, Buffer.from('x')).then(
              () => true,
              () => false,
            );
            if (!ok) return false;
          }
          return true;
        },
        'publishes to every topic',
        15_000,
      );
      for (const topic of topics) got.set(topic, 0);
      for (const topic of topics) await bus.publish(topic, Buffer.from('y'));
      await until(() => topics.every((t) => (got.get(t) ?? 0) >= 1), 'a delivery on every topic after the failover', 5000);
      await victim.restart();
    } finally {
      await bus.close();
      await history.close();
    }
  });
});
