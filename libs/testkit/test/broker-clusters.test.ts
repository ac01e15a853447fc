import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redisCli, startLocalRedisCluster, startNatsCluster } from '../src/index.js';

async function until(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('testkit broker clusters (local binaries on free ports)', { timeout: 90_000 }, () => {
  it('starts a Redis Cluster of 3 masters + 3 replicas; kill -9 of a master promotes its replica; restart rejoins', async () => {
    const cluster = await startLocalRedisCluster({ masters: 3, replicas: 1 });
    try {
      assert.equal(cluster.nodes.length, 6);
      const masters = await cluster.masters();
      assert.equal(masters.length, 3);
      const victim = masters[0];
      assert.ok(victim);
      const other = cluster.nodes.find((n) => n !== victim);
      assert.ok(other);
      await victim.kill();
      await until(
        async () => (await cluster.masters()).length === 3 && !(await cluster.masters()).includes(victim),
        'a replica promoted',
        15_000,
      );
      await cluster.waitHealthy();
      await victim.restart();
      await until(
        async () => (await redisCli(['-p', String(victim.port), 'role'])).startsWith('slave'),
        'the old master to rejoin as a replica',
        15_000,
      );
      assert.match(await redisCli(['-p', String(other.port), 'cluster', 'info']), /cluster_state:ok/);
    } finally {
      await cluster.stop();
    }
  });

  it('starts a 3-server NATS cluster with JetStream; one server killed and restarted rejoins', async () => {
    const cluster = await startNatsCluster({ servers: 3 });
    try {
      assert.equal(cluster.url.split(',').length, 3);
      const jsz = (await (await fetch(`${cluster.monitorUrls[0]}/jsz`)).json()) as { meta_cluster?: { cluster_size?: number } };
      assert.equal(jsz.meta_cluster?.cluster_size, 3);
      const victim = cluster.nodes[0];
      assert.ok(victim);
      await victim.kill();
      await assert.rejects(fetch(`${cluster.monitorUrls[0]}/varz`));
      await victim.restart();
      await cluster.waitHealthy();
    } finally {
      await cluster.stop();
    }
  });
});
