import type { StreamPosition } from '@switchboard/protocol';
import { inServerSpan, traced, tracingState } from '@switchboard/telemetry';

/**
 * Runs a subscribe that recovers (`since` given) in a SERVER span `subscribe <topic>` with the
 * position asked for, covering the history read and the replay. Without `since` or with
 * tracing off it only runs `work`.
 */
export function traceRecovery(topic: string, since: StreamPosition | undefined, work: () => Promise<void>): Promise<void> {
  if (!tracingState.on || since === undefined) return work();
  const attributes = { 'messaging.destination.name': topic, 'messaging.operation.type': 'receive', 'switchboard.since': since.offset };
  return inServerSpan(`subscribe ${topic}`, undefined, attributes, work);
}

/** Runs one presence report in a span `presence report` (tracing on), else just runs it. */
export function tracePresenceReport(work: () => Promise<void>): Promise<void> {
  if (!tracingState.on) return work();
  return traced('presence report', { 'messaging.operation.type': 'send' }, work);
}
