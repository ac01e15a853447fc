import { startRedis } from '@switchboard/testkit';
import { runTracingCluster } from './tracing-cluster.js';

// On Redis the history's Lua script publishes: the envelope rides inside the payload it publishes.
runTracingCluster('Redis (Streams history, the script publishes)', () => startRedis());
