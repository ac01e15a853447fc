import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OtlpReceiver, OtlpSpanKind, type ServiceProcess, WsTestClient } from '@switchboard/testkit';
import { checkOneTrace, serviceProcess, tracingEnv } from './trace-scenarios.js';

describe('tracing on the memory bus: the all-in-one process, OTLP http/json', { timeout: 180_000 }, () => {
  let receiver: OtlpReceiver;
  let node: ServiceProcess;
  before(async () => {
    receiver = await OtlpReceiver.start();
    node = await serviceProcess('aio-1', 'services/all-in-one/src/main.ts', tracingEnv(receiver, 'sb-all', 'http/json', '1'));
    await node.start(90_000);
  });
  after(async () => {
    await node?.kill();
    await receiver?.stop();
  });

  it('one publish with a traceparent: SERVER, PRODUCER and one CONSUMER in one trace', async () => {
    await checkOneTrace({ api: node, edges: [node], apiService: 'sb-all', edgeService: 'sb-all' }, receiver, 'otel.memory');
  });

  it('a subscribe that recovers with since gets a SERVER span naming the topic and the position', async () => {
    const client = await WsTestClient.connect(node.wsUrl);
    try {
      const probe = await WsTestClient.connect(node.wsUrl);
      const tip = await probe.request({ op: 'subscribe', id: 1, topic: 'otel.memory' });
      probe.ws.terminate();
      const ack = await client.request({ op: 'subscribe', id: 1, topic: 'otel.memory', since: { offset: 0, epoch: tip.epoch } });
      assert.equal(ack.op, 'ack');
      await receiver.waitFor((spans) => spans.some((s) => s.name === 'subscribe otel.memory'), 'the recovery span');
      const span = receiver.spans.find((s) => s.name === 'subscribe otel.memory');
      assert.equal(span?.kind, OtlpSpanKind.SERVER);
      assert.equal(span?.attributes['switchboard.since'], 0);
      assert.equal(span?.attributes['messaging.destination.name'], 'otel.memory');
    } finally {
      client.ws.terminate();
    }
  });
});
