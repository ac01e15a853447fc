import assert from 'node:assert/strict';
import { type RedisClusterHandle, startLocalRedisCluster } from '@switchboard/testkit';
import { runBrokerFailover } from './broker-failover.js';

runBrokerFailover({
  name: 'redis-cluster (3 masters + 3 replicas, cluster-node-timeout 2000)',
  start: () => startLocalRedisCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 2000 }),
  async victim(broker) {
    const [master] = await (broker as RedisClusterHandle).masters();
    assert.ok(master, 'a master to kill');
    return master;
  },
  env: { HISTORY_REPLICAS: '2' },
});
