import { SyncContextManager } from './sync-context-manager.js';
import { tracingState } from './tracing-state.js';

/** A started SDK: `shutdown` flushes the spans not yet exported, then stops exporting. */
export interface TracingHandle {
  readonly protocol: TracingProtocol;
  shutdown(): Promise<void>;
}

export type TracingProtocol = 'http/protobuf' | 'http/json';

const SAMPLERS = new Set([
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
]);

/** A bad OTEL_* variable: the message names it (same name as @switchboard/config's, so start-up logs one line). */
class TracingConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Checks the standard OTEL_* variables the SDK will read and returns the exporter protocol.
 * Throws a ConfigError naming the variable when one is unusable (the SDK itself would only log).
 */
export function tracingProtocol(env: NodeJS.ProcessEnv): TracingProtocol {
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  const which = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new TracingConfigError(`${which} must be http/protobuf or http/json (grpc is not supported), not "${protocol}"`);
  }
  const sampler = env.OTEL_TRACES_SAMPLER;
  if (sampler && !SAMPLERS.has(sampler)) {
    throw new TracingConfigError(`OTEL_TRACES_SAMPLER must be one of ${[...SAMPLERS].join(', ')}, not "${sampler}"`);
  }
  const arg = env.OTEL_TRACES_SAMPLER_ARG;
  if (arg && sampler?.endsWith('traceidratio')) {
    const ratio = Number(arg);
    if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
      throw new TracingConfigError(`OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, not "${arg}"`);
    }
  }
  return protocol;
}

/**
 * Starts the OpenTelemetry SDK when, and only when, `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; otherwise returns null and loads nothing. The
 * SDK packages are imported here on demand, so a process without tracing never loads them.
 *
 * Everything else is the SDK's own reading of the standard variables: the sampler
 * (`OTEL_TRACES_SAMPLER[_ARG]`, default parentbased_always_on), the resource
 * (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`; the service name defaults to
 * `switchboard-<service>`), the exporter's URL and headers, the batch processor's limits.
 * W3C `traceparent` is the propagation format. The active context follows synchronous calls
 * only (sync-context-manager.ts).
 */
export async function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): Promise<TracingHandle | null> {
  if (!(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)) return null;
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return null;
  const protocol = tracingProtocol(env);
  const [{ NodeTracerProvider }, { BatchSpanProcessor }, resources, exporters] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
    protocol === 'http/json' ? import('@opentelemetry/exporter-trace-otlp-http') : import('@opentelemetry/exporter-trace-otlp-proto'),
  ]);
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ 'service.name': `switchboard-${service}` }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new exporters.OTLPTraceExporter())],
  });
  // Not the default AsyncLocalStorage manager: see sync-context-manager.ts for why and what it means for span sites.
  provider.register({ contextManager: new SyncContextManager() });
  tracingState.on = true;
  return {
    protocol,
    async shutdown() {
      tracingState.on = false;
      await provider.shutdown();
    },
  };
}
