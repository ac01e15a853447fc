import { performance } from 'node:perf_hooks';
import { encodeEnvelope } from '@switchboard/protocol';
import { childSpansSampled, Histogram, inClientSpan, type ProducerSpan, type Registry, startProducerSpan } from '@switchboard/telemetry';

/** Seconds: 0.25 ms … 5 s. */
const BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * At most one publish per this many ms carries its publish time when its trace is not sampled
 * (a 9-byte envelope), so the edges' publish → write histogram has data with tracing off. Every
 * sampled message carries it anyway. docs/observability.md has the measured cost.
 */
export const LATENCY_PROBE_INTERVAL_MS = 100;

const EMPTY = Buffer.alloc(0);
const epochMs = (): number => performance.timeOrigin + performance.now();

/**
 * What the Publisher measures and traces: history append and bus publish histograms, the
 * PRODUCER span of each message and the envelope that carries its context to the edges.
 */
export class PublishTelemetry {
  readonly append: Histogram;
  readonly busPublish: Histogram;
  private lastProbe = 0;

  constructor(registry: Registry | null, probeIntervalMs = LATENCY_PROBE_INTERVAL_MS) {
    const registers = registry === null ? [] : [registry];
    this.append = new Histogram({
      name: 'switchboard_history_append_seconds',
      help: 'History appends by this process (on Redis: the script that stores and publishes)',
      buckets: BUCKETS,
      registers,
    });
    this.busPublish = new Histogram({
      name: 'switchboard_bus_publish_seconds',
      help: 'Bus publishes by this process, until the broker took the message (one round trip)',
      buckets: BUCKETS,
      registers,
    });
    this.probeIntervalMs = probeIntervalMs;
  }

  private readonly probeIntervalMs: number;

  /**
   * Starts the PRODUCER span of a message when tracing is on and the request's trace is sampled
   * (null otherwise: an unsampled message gets no span, see `childSpansSampled`).
   */
  startProducer(busKind: string, topic: string, bytes: number): ProducerSpan | null {
    return childSpansSampled() ? startProducerSpan(busKind, topic, bytes) : null;
  }

  /** The envelope for a message: trace context when sampled, else a time probe now and then, else nothing. */
  envelope(producer: ProducerSpan | null): Buffer {
    const carried = producer?.carried ?? null;
    if (carried !== null) return encodeEnvelope(epochMs(), carried);
    if (this.probeIntervalMs === Number.POSITIVE_INFINITY) return EMPTY;
    const now = epochMs();
    if (now - this.lastProbe < this.probeIntervalMs) return EMPTY;
    this.lastProbe = now;
    return encodeEnvelope(now, null);
  }

  /** Runs a history append: timed, and in a CLIENT span while tracing is on and the trace sampled. */
  timeAppend<T>(storeKind: string, topic: string, work: () => Promise<T>): Promise<T> {
    const timed = () => timed_(this.append, work);
    if (!childSpansSampled()) return timed();
    return inClientSpan('history append', { 'db.system.name': storeKind, 'messaging.destination.name': topic }, timed);
  }

  /** Runs a bus publish, timed. */
  timePublish<T>(work: () => Promise<T>): Promise<T> {
    return timed_(this.busPublish, work);
  }
}

async function timed_<T>(histogram: Histogram, work: () => Promise<T>): Promise<T> {
  const end = histogram.startTimer();
  try {
    return await work();
  } finally {
    end();
  }
}
