import { startRedis } from '@switchboard/testkit';
import { runPusherClusterScenarios } from './pusher-cluster-scenarios.js';

runPusherClusterScenarios('redis (Streams history)', () => startRedis());
