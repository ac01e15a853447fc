import { startNats } from '@switchboard/testkit';
import { runChaosScenarios } from './scenarios.js';

runChaosScenarios('nats', () => startNats({ jetstream: true }));
