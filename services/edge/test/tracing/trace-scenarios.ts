/**
 * One publish with a `traceparent`, followed through the api, the bus and every edge with
 * subscribers, as the spans a real OTLP/HTTP receiver collects (libs/testkit OtlpReceiver).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  type CollectedSpan,
  freePort,
  type OtlpReceiver,
  OtlpSpanKind,
  requestJson,
  ServiceProcess,
  WsTestClient,
} from '@switchboard/testkit';

export interface TraceCluster {
  api: ServiceProcess;
  /** Edges in the order the scenario puts subscribers on them (2 on the first, 1 on the others). */
  edges: ServiceProcess[];
  apiService: string;
  edgeService: string;
}

/** Env that turns tracing on towards `receiver`, exporting fast. */
export function tracingEnv(
  receiver: OtlpReceiver,
  service: string,
  protocol: 'http/json' | 'http/protobuf',
  ratio = '0',
): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_SERVICE_NAME: service,
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: ratio,
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
}

/** A service process on a free port with its own environment. */
export async function serviceProcess(name: string, script: string, env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  return new ServiceProcess(name, port, script, {
    ...process.env,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NODE_ID: name,
    PORT: String(port),
    ...env,
  });
}

const byId = (spans: CollectedSpan[], id: string) => spans.find((s) => s.spanId === id);

/**
 * Subscribes 2 clients on the first edge and 1 on each other, publishes one message through the
 * api with a sampled `traceparent`, and checks the trace: SERVER child of the caller's span,
 * PRODUCER child of SERVER naming the topic, exactly one CONSUMER per edge (child of and linked
 * to the PRODUCER) with its local subscriber count, from the right service names.
 */
export async function checkOneTrace(cluster: TraceCluster, receiver: OtlpReceiver, topic: string): Promise<void> {
  const clients: WsTestClient[] = [];
  try {
    for (const [i, edge] of cluster.edges.entries()) {
      for (let k = 0; k < (i === 0 ? 2 : 1); k++) clients.push(await WsTestClient.connect(edge.wsUrl));
    }
    await Promise.all(clients.map((c, i) => c.request({ op: 'subscribe', id: i + 1, topic })));
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const res = await requestJson(`${cluster.api.url}/v1/publish`, {
      body: { topic, data: { hello: 'trace' } },
      headers: { traceparent: `00-${traceId}-${callerSpan}-01` },
    });
    assert.equal(res.status, 200);
    await Promise.all(clients.map((c) => c.next((f) => f.op === 'message' && f.topic === topic, 10_000)));
    const consumers = (spans: CollectedSpan[]) => spans.filter((s) => s.traceId === traceId && s.kind === OtlpSpanKind.CONSUMER);
    await receiver.waitFor((spans) => consumers(spans).length >= cluster.edges.length, `${cluster.edges.length} CONSUMER spans`);
    await receiver.waitFor((spans) => spans.some((s) => s.traceId === traceId && s.kind === OtlpSpanKind.PRODUCER), 'the PRODUCER span');
    // Late duplicates would show up here: give the exporters a moment more.
    await new Promise((r) => setTimeout(r, 300));
    const spans = receiver.trace(traceId);
    const server = spans.find((s) => s.kind === OtlpSpanKind.SERVER && s.name === 'POST /v1/publish');
    assert.ok(server, `no SERVER span in ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(server.parentSpanId, callerSpan, 'the SERVER span continues the incoming traceparent');
    assert.equal(server.service, cluster.apiService);
    const producer = spans.find((s) => s.kind === OtlpSpanKind.PRODUCER);
    assert.ok(producer);
    assert.equal(producer.parentSpanId, server.spanId);
    assert.equal(producer.name, `publish ${topic}`);
    assert.equal(producer.attributes['messaging.destination.name'], topic);
    assert.equal(producer.attributes['messaging.operation.type'], 'send');
    assert.equal(producer.service, cluster.apiService);
    const got = consumers(spans);
    assert.equal(got.length, cluster.edges.length, 'one CONSUMER span per edge, not per subscriber');
    for (const consumer of got) {
      assert.equal(consumer.parentSpanId, producer.spanId);
      assert.deepEqual(consumer.links, [{ traceId, spanId: producer.spanId }]);
      assert.equal(consumer.service, cluster.edgeService);
      assert.equal(consumer.attributes['messaging.destination.name'], topic);
      assert.equal(consumer.attributes['messaging.operation.type'], 'process');
      assert.ok(Number(consumer.attributes['messaging.message.body.size']) > 0);
      assert.ok(Number(consumer.attributes['switchboard.queue_delay_ms']) >= 0);
    }
    const counts = got.map((s) => Number(s.attributes['switchboard.subscribers'])).sort();
    assert.deepEqual(counts, [...cluster.edges.map((_, i) => (i === 0 ? 2 : 1))].sort());
    assert.ok(byId(spans, producer.parentSpanId));
    assert.deepEqual(receiver.errors, []);
  } finally {
    for (const c of clients) c.ws.terminate();
  }
}
