import { startRedis } from '@switchboard/testkit';
import { runChaosScenarios } from './scenarios.js';

runChaosScenarios('redis', () => startRedis());
