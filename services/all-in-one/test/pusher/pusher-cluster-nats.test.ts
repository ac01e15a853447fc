import { startNats } from '@switchboard/testkit';
import { runPusherClusterScenarios } from './pusher-cluster-scenarios.js';

runPusherClusterScenarios('nats (JetStream history)', () => startNats({ jetstream: true }));
