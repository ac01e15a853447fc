import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { context, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { MemoryBroker, MemoryBus, MemoryHistory } from '@switchboard/backends';
import { ENVELOPE_TIME_BYTES, ENVELOPE_TRACE_BYTES, encodeMessageFrame, readEnvelope } from '@switchboard/protocol';
import { startTracing, type TracingHandle } from '@switchboard/telemetry';
import { OtlpReceiver, OtlpSpanKind } from '@switchboard/testkit';
import { Publisher, PublishTelemetry } from '../src/index.js';

/** Runs `work` under a remote parent span, sampled or not, as the api's SERVER span would. */
function underParent<T>(sampled: boolean, work: () => Promise<T>): { traceId: string; result: Promise<T> } {
  const traceId = randomBytes(16).toString('hex');
  const parent = {
    traceId,
    spanId: randomBytes(8).toString('hex'),
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  };
  return { traceId, result: context.with(trace.setSpanContext(ROOT_CONTEXT, parent), work) };
}

describe('the bus message of a traced publish (in-process SDK, real OTLP receiver)', () => {
  let receiver: OtlpReceiver;
  let tracing: TracingHandle | null;
  const saved = { ...process.env };
  before(async () => {
    receiver = await OtlpReceiver.start();
    Object.assign(process.env, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
    tracing = await startTracing('test');
    assert.ok(tracing);
  });
  after(async () => {
    await tracing?.shutdown();
    await receiver.stop();
    process.env = saved;
  });

  for (const history of [null, 'memory'] as const) {
    it(`history ${history ?? 'off'}: unsampled adds no byte; sampled carries the PRODUCER span's context in 34 bytes`, async () => {
      const bus = new MemoryBus(new MemoryBroker());
      const payloads: Uint8Array[] = [];
      await bus.subscribe('t', (_topic, payload) => payloads.push(payload));
      const store = history === null ? null : new MemoryHistory({ size: 10, ttlMs: 60_000 });
      const publisher = new Publisher(bus, store, new PublishTelemetry(null, Number.POSITIVE_INFINITY));

      const unsampled = underParent(false, () => publisher.publish('t', '{"n":1}'));
      const first = await unsampled.result;
      const sampled = underParent(true, () => publisher.publish('t', '{"n":2}'));
      const second = await sampled.result;
      await new Promise((r) => setTimeout(r, 10));

      assert.equal(payloads.length, 2);
      assert.deepEqual(Buffer.from(payloads[0] as Uint8Array), Buffer.from(encodeMessageFrame('t', first.offset, '{"n":1}')));
      const frame = Buffer.from(encodeMessageFrame('t', second.offset, '{"n":2}'));
      const carried = payloads[1] as Uint8Array;
      assert.equal(carried.length, ENVELOPE_TRACE_BYTES + frame.length);
      assert.deepEqual(Buffer.from(carried.subarray(ENVELOPE_TRACE_BYTES)), frame);
      const envelope = readEnvelope(carried);
      assert.equal(envelope?.trace?.traceId, sampled.traceId);
      await receiver.waitFor(
        (spans) => spans.some((s) => s.traceId === sampled.traceId && s.kind === OtlpSpanKind.PRODUCER),
        'the PRODUCER span',
      );
      const producer = receiver.trace(sampled.traceId).find((s) => s.kind === OtlpSpanKind.PRODUCER);
      assert.equal(envelope?.trace?.spanId, producer?.spanId, 'the edge parents its CONSUMER span on the PRODUCER span');
      assert.equal(receiver.trace(unsampled.traceId).length, 0, 'an unsampled publish exports nothing');
      if (history !== null) {
        await receiver.waitFor(
          (spans) => spans.some((s) => s.traceId === sampled.traceId && s.name === 'history append'),
          'history append',
        );
      }
      await bus.close();
    });
  }

  it('the latency probe: at most one unsampled publish per interval carries its 9-byte publish time', async () => {
    const bus = new MemoryBus(new MemoryBroker());
    const payloads: Uint8Array[] = [];
    await bus.subscribe('t', (_topic, payload) => payloads.push(payload));
    const publisher = new Publisher(bus, null, new PublishTelemetry(null, 60_000));
    const before = Date.now();
    // Under an unsampled parent (tracing is on in this process, and a root span would be sampled).
    for (let i = 0; i < 5; i++) await underParent(false, () => publisher.publish('t', String(i))).result;
    assert.deepEqual(
      payloads.map((p) => p.length - Buffer.byteLength(encodeMessageFrame('t', null, '0'))),
      [ENVELOPE_TIME_BYTES, 0, 0, 0, 0],
    );
    const stamped = readEnvelope(payloads[0] as Uint8Array)?.publishedAt ?? 0;
    assert.ok(stamped >= before - 1 && stamped <= Date.now() + 1, `publish time ${stamped}`);
    await bus.close();
  });
});
