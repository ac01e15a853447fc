import { after, before, describe, it } from 'node:test';
import { OtlpReceiver, type ServiceProcess } from '@switchboard/testkit';
import { checkOneTrace, serviceProcess, tracingEnv } from './trace-scenarios.js';

describe('tracing on the memory bus: the all-in-one process, OTLP http/json', { timeout: 180_000 }, () => {
  let receiver: OtlpReceiver;
  let node: ServiceProcess;
  before(async () => {
    receiver = await OtlpReceiver.start();
    node = await serviceProcess('aio-1', 'services/all-in-one/src/main.ts', tracingEnv(receiver, 'sb-all', 'http/json'));
    await node.start(90_000);
  });
  after(async () => {
    await node?.kill();
    await receiver?.stop();
  });

  it('one publish with a traceparent: SERVER, PRODUCER and one CONSUMER in one trace', async () => {
    await checkOneTrace({ api: node, edges: [node], apiService: 'sb-all', edgeService: 'sb-all' }, receiver, 'otel.memory');
  });
});
