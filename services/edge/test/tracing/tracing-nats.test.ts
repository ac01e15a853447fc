import { startNats } from '@switchboard/testkit';
import { runTracingCluster } from './tracing-cluster.js';

runTracingCluster('NATS (JetStream history)', () => startNats({ jetstream: true }));
