import { after, before, describe, it } from 'node:test';
import { type BrokerHandle, OtlpReceiver, type ServiceProcess } from '@switchboard/testkit';
import { checkOneTrace, serviceProcess, tracingEnv } from './trace-scenarios.js';

/**
 * An api (OTLP over http/json) and two edges (http/protobuf) as processes on one broker, each
 * exporting to the same receiver under its own OTEL_SERVICE_NAME.
 */
export function runTracingCluster(name: string, startBroker: () => Promise<BrokerHandle>): void {
  describe(`tracing over ${name}: api + 2 edges as processes, one OTLP receiver`, { timeout: 240_000 }, () => {
    let broker: BrokerHandle;
    let receiver: OtlpReceiver;
    let api: ServiceProcess;
    let edges: ServiceProcess[] = [];
    before(async () => {
      broker = await startBroker();
      receiver = await OtlpReceiver.start();
      const base = { BUS_URL: broker.url, BUS_PREFIX: `otel${process.pid}`, HISTORY_SIZE: '100' };
      api = await serviceProcess('api-1', 'services/api/src/main.ts', { ...base, ...tracingEnv(receiver, 'sb-api', 'http/json') });
      for (const id of ['edge-1', 'edge-2']) {
        edges.push(await serviceProcess(id, 'services/edge/src/main.ts', { ...base, ...tracingEnv(receiver, 'sb-edge', 'http/protobuf') }));
      }
      await Promise.all([api, ...edges].map((p) => p.start(90_000)));
    });
    after(async () => {
      await Promise.all([api, ...edges].map((p) => p?.kill()));
      edges = [];
      await receiver?.stop();
      await broker?.stop();
    });

    it('one publish with a traceparent: SERVER and PRODUCER from sb-api, one CONSUMER per edge from sb-edge, one trace', async () => {
      await checkOneTrace({ api, edges, apiService: 'sb-api', edgeService: 'sb-edge' }, receiver, 'otel.cluster');
    });
  });
}
