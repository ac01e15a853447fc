import { startRedis } from '@switchboard/testkit';
import { runClusterScenarios } from './scenarios.js';

runClusterScenarios('redis (Streams history, one Lua script stores and publishes)', () => startRedis());
