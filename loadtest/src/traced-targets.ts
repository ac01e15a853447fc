import { OtlpReceiver } from '@switchboard/testkit';
import { type BusKind, startSwitchboard, type Target } from './targets.js';

/** A Switchboard target run with tracing on at one sampling ratio. */
export interface TracedTarget {
  ratio: number;
  target: Target;
}

/** The OTEL_* variables of a traced target: OTLP http/protobuf to `endpoint`, root spans sampled at `ratio`. */
export function tracingEnv(endpoint: string, ratio: number): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: String(ratio),
    OTEL_SERVICE_NAME: `switchboard-bench-${ratio}`,
  };
}

/**
 * Starts one Switchboard target per ratio (tracing on, exporting to one OTLP receiver in this
 * process), runs `body`, stops them. With no ratios it only runs `body([])`.
 */
export async function withTracedTargets<T>(
  bus: BusKind,
  ratios: number[],
  body: (targets: TracedTarget[], receiver: OtlpReceiver | null) => Promise<T>,
): Promise<T> {
  if (ratios.length === 0) return body([], null);
  const receiver = await OtlpReceiver.start();
  const targets: TracedTarget[] = [];
  try {
    for (const ratio of ratios) {
      const target = await startSwitchboard(bus, 1, { env: tracingEnv(receiver.url, ratio), label: ` tracing ${ratio}` });
      targets.push({ ratio, target });
    }
    return await body(targets, receiver);
  } finally {
    for (const { target } of targets) await target.stop();
    await receiver.stop();
  }
}
