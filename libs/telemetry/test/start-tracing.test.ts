import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTracing, tracingProtocol, tracingState } from '../src/index.js';

describe('startTracing', () => {
  it('without an endpoint loads nothing and leaves tracing off', async () => {
    assert.equal(await startTracing('edge', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }), null);
    assert.equal(tracingState.on, false);
  });

  it('honours both OTLP/HTTP encodings, protobuf by default', () => {
    assert.equal(tracingProtocol({}), 'http/protobuf');
    assert.equal(tracingProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }), 'http/json');
    assert.equal(tracingProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }), 'http/json');
  });

  it('fails the start in one line naming the variable when a setting is unusable', async () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    for (const [env, variable] of [
      [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_PROTOCOL'],
      [{ OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER'],
      [{ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }, 'OTEL_TRACES_SAMPLER_ARG'],
    ] as const) {
      await assert.rejects(startTracing('api', { ...endpoint, ...env }), (err: Error) => {
        assert.equal(err.name, 'ConfigError');
        assert.match(err.message, new RegExp(`^${variable} `));
        assert.ok(!err.message.includes('\n'));
        return true;
      });
    }
    assert.equal(tracingState.on, false);
  });
});
