import { inServerSpan, tracingState } from '@switchboard/telemetry';

/**
 * Runs a client's `publish` frame in a SERVER span (`publish frame`), the edge's counterpart of
 * the api's `POST /v1/publish` span: the Publisher's history append and PRODUCER span become its
 * children. With tracing off it only calls `work`.
 */
export function traceClientPublish(topic: string, work: () => Promise<void>): Promise<void> {
  if (!tracingState.on) return work();
  return inServerSpan('publish frame', undefined, { 'messaging.destination.name': topic, 'network.protocol.name': 'websocket' }, work);
}
