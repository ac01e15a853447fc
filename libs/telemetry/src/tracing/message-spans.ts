import { type Context, context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { tracingState } from './tracing-state.js';

/**
 * The spans of a message's path, named and attributed after the OpenTelemetry messaging
 * semantic conventions (`messaging.*`); `switchboard.*` attributes say what the conventions
 * have no name for. Callers check `tracingState.on` (or `childSpansSampled()`) first: these
 * functions are only called when an SDK runs.
 */
const tracer = trace.getTracer('switchboard');

/**
 * Whether a span started now, as a child of the active context, could be sampled: tracing is on
 * and the active span, if any, is sampled. A child of an unsampled span is never sampled with
 * the samplers start-tracing.ts accepts (the parent-based ones follow the parent; `traceidratio`
 * decides on the trace id, as it did for the parent; `always_*` decide the same for both), so
 * the hot path skips creating it: an unsampled message then costs no span object and no context
 * switch (at ratio 0.01 that is 99 % of them).
 */
export function childSpansSampled(): boolean {
  if (!tracingState.on) return false;
  const active = trace.getSpanContext(context.active());
  return active === undefined || (active.traceFlags & TraceFlags.SAMPLED) !== 0;
}

/**
 * The active trace context now, to continue after an `await`: the active context follows
 * synchronous calls only (sync-context-manager.ts), so code that awaits (the api reads a
 * request's body) before it starts child spans runs that part through the returned function.
 * With tracing off the function only calls `work`.
 */
export function captureTraceContext(): <T>(work: () => T) => T {
  if (!tracingState.on) return callNow;
  const captured = context.active();
  return (work) => context.with(captured, work);
}

const callNow = <T>(work: () => T): T => work();

/** What a published message carries on the bus when its trace is sampled. */
export interface PublishContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

/** A PRODUCER span that is still open, with the context to carry (null when not sampled). */
export interface ProducerSpan {
  readonly span: Span;
  readonly carried: PublishContext | null;
  /** Ends the span; with an error, marks it failed. */
  end(err?: unknown): void;
}

/**
 * Starts the PRODUCER span of one message published on `topic` (`publish <topic>`), a child of
 * the active span (the api's SERVER span or the edge's client-publish span). Its context is what
 * the bus message carries, and only when the span is sampled.
 */
export function startProducerSpan(busKind: string, topic: string, bytes: number): ProducerSpan {
  const span = tracer.startSpan(`publish ${topic}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.system': busKind,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'publish',
      'messaging.destination.name': topic,
      'messaging.message.body.size': bytes,
    },
  });
  const ctx = span.spanContext();
  const carried =
    (ctx.traceFlags & TraceFlags.SAMPLED) !== 0 ? { traceId: ctx.traceId, spanId: ctx.spanId, traceFlags: ctx.traceFlags } : null;
  return { span, carried, end: (err?: unknown) => endSpan(span, err) };
}

/** Runs `work` in a CLIENT span child of the active one (a history append or read). */
export async function inClientSpan<T>(name: string, attributes: Record<string, string | number>, work: () => Promise<T>): Promise<T> {
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes });
  try {
    return await context.with(trace.setSpan(context.active(), span), work);
  } catch (err) {
    endSpan(span, err);
    throw err;
  } finally {
    if (span.isRecording()) span.end();
  }
}

/**
 * Runs `work` in a SERVER span (`<method> <route>`) that continues the W3C `traceparent` the
 * caller sent (`parent`; a new trace when undefined). The span ends when `work` settles.
 */
export async function inServerSpan(
  name: string,
  parent: Context | undefined,
  attributes: Record<string, string | number>,
  work: (span: Span) => Promise<void>,
): Promise<void> {
  parent ??= ROOT_CONTEXT;
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  try {
    await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (err) {
    endSpan(span, err);
    throw err;
  } finally {
    if (span.isRecording()) span.end();
  }
}

/** Attributes of one delivery at an edge. */
export interface DeliveryFacts {
  busKind: string;
  topic: string;
  bytes: number;
  subscribers: number;
  /** Milliseconds from the publish to the fan-out; null when the publish time is unknown. */
  queueDelayMs: number | null;
  offset: number | null;
}

/**
 * Records the CONSUMER span of one bus message at one edge (`process <topic>`): ONE span per
 * message and edge, never per subscriber, a child of the producer's span (and linked to it, so a
 * backend that draws links shows the hop). `fanOut` is the synchronous fan-out it measures.
 */
export function recordDelivery(producer: PublishContext, facts: DeliveryFacts, fanOut: () => void): void {
  const remote = { traceId: producer.traceId, spanId: producer.spanId, traceFlags: producer.traceFlags, isRemote: true };
  const parent = trace.setSpanContext(ROOT_CONTEXT, remote);
  const attributes: Record<string, string | number> = {
    'messaging.system': facts.busKind,
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': facts.topic,
    'messaging.message.body.size': facts.bytes,
    'switchboard.subscribers': facts.subscribers,
  };
  if (facts.queueDelayMs !== null) attributes['switchboard.queue_delay_ms'] = facts.queueDelayMs;
  if (facts.offset !== null) attributes['switchboard.offset'] = facts.offset;
  const span = tracer.startSpan(`process ${facts.topic}`, { kind: SpanKind.CONSUMER, attributes, links: [{ context: remote }] }, parent);
  try {
    context.with(trace.setSpan(parent, span), fanOut);
  } catch (err) {
    endSpan(span, err);
    throw err;
  } finally {
    if (span.isRecording()) span.end();
  }
}

function endSpan(span: Span, err: unknown): void {
  if (err !== undefined) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  }
  span.end();
}
