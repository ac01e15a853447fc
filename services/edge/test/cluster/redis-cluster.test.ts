import { startRedisCluster } from '@switchboard/testkit';
import { runClusterScenarios } from './scenarios.js';

runClusterScenarios('redis-cluster (3 masters, sharded pub/sub)', () => startRedisCluster({ masters: 3 }), {
  wildcards: false,
});
