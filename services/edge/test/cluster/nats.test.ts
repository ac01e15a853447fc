import { startNats } from '@switchboard/testkit';
import { runClusterScenarios } from './scenarios.js';

runClusterScenarios('nats (JetStream history)', () => startNats({ jetstream: true }));
