import { performance } from 'node:perf_hooks';
import { Histogram, type Registry, recordDelivery, tracingState } from '@switchboard/telemetry';
import type { OutboundMessage } from '../transport/outbound-message.js';

/** Seconds: 0.5 ms … 10 s, for publish → write at an edge and history round trips. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const REPLAY_BUCKETS = [0, 1, 10, 100, 1000, 10_000];

/** Epoch milliseconds with sub-millisecond precision (the clock the publisher stamps with). */
export const epochMs = (): number => performance.timeOrigin + performance.now();

/**
 * The edge's delivery histograms and its CONSUMER spans. Only messages whose bus envelope
 * carries a publish time (a sampled trace, or the publisher's periodic latency probe) pay for
 * any of it; a plain bus message never reaches this class.
 */
export class DeliveryTelemetry {
  /** The bus's kind (`messaging.system`), set when the edge knows its bus. */
  busKind = 'unknown';
  readonly latency = new Histogram({
    name: 'switchboard_edge_delivery_latency_seconds',
    help: 'Publish (at the api or publishing edge) to the write to local subscribers, from the publish time the bus message carries',
    buckets: LATENCY_BUCKETS,
    registers: [],
  });
  readonly historyRead = new Histogram({
    name: 'switchboard_edge_history_read_seconds',
    help: 'History reads at the edge (subscribe catch-up and gap repair)',
    buckets: LATENCY_BUCKETS,
    registers: [],
  });
  readonly replaySize = new Histogram({
    name: 'switchboard_edge_replay_messages',
    help: 'Messages replayed to one subscriber that resubscribed with since',
    buckets: REPLAY_BUCKETS,
    registers: [],
  });

  register(registry: Registry, busKind: string): void {
    this.busKind = busKind;
    registry.registerMetric(this.latency);
    registry.registerMetric(this.historyRead);
    registry.registerMetric(this.replaySize);
  }

  /**
   * Fans out a message that carried an envelope: with a sampled trace inside one CONSUMER span
   * (one per message on this edge, never per subscriber); the publish → write latency is observed
   * after this turn's socket writes (the write coalescer flushes in an earlier `setImmediate`).
   */
  deliver(message: OutboundMessage, subscribers: number, fanOut: () => void): void {
    const envelope = message.envelope;
    const publishedAt = envelope?.publishedAt ?? null;
    const trace = envelope?.trace ?? null;
    if (trace !== null && tracingState.on) {
      const facts = {
        busKind: this.busKind,
        topic: message.topic ?? '',
        bytes: message.payload.length,
        subscribers,
        queueDelayMs: publishedAt === null ? null : Math.max(0, epochMs() - publishedAt),
        offset: message.offset,
      };
      recordDelivery(trace, facts, fanOut);
    } else {
      fanOut();
    }
    if (publishedAt !== null && subscribers > 0) {
      setImmediate(() => this.latency.observe(Math.max(0, epochMs() - publishedAt) / 1000));
    }
  }

  /** Times one history read. */
  async timeRead<T>(read: () => Promise<T>): Promise<T> {
    const end = this.historyRead.startTimer();
    try {
      return await read();
    } finally {
      end();
    }
  }
}
