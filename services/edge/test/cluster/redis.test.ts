import { startRedis } from '@switchboard/testkit';
import { runClusterScenarios } from './scenarios.js';

runClusterScenarios('redis (Streams history, one Lua script per publish)', () => startRedis());
