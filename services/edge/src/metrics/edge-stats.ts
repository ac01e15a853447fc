import { DeliveryTelemetry } from '../tracing/delivery-telemetry.js';

/** Plain counters bumped on the hot path and read by /metrics and presence at scrape time. */
export class EdgeStats {
  /** Delivery latency and history histograms, CONSUMER spans (see tracing/delivery-telemetry.ts). */
  readonly delivery = new DeliveryTelemetry();
  connections = 0;
  connectionsTotal = 0;
  subscriptions = 0;
  /** Messages that arrived from the bus (per bus subscription, i.e. per topic or pattern). */
  busMessages = 0;
  /** Message frames written to client sockets (live and replayed). */
  deliveries = 0;
  published = 0;
  /** Bus messages dropped because their offset was already delivered. */
  duplicatesDropped = 0;
  /** Times a skipped offset (or a bus outage) was filled from history. */
  gapRepairs = 0;
  slowConsumerCloses = 0;
  rateLimitCloses = 0;
  heartbeatCloses = 0;
  protocolErrors = 0;
  /** Connections closed by authentication: 4001 (no/invalid/expired token) or 4003 (grants nothing). */
  authCloses = 0;
  /** `subscribe`/`publish` requests refused with `forbidden`. */
  forbidden = 0;
  /** Upgrades refused for their Origin (403). */
  originRefused = 0;
  /** Upgrades refused by the per-address connection rate (429). */
  connectRateLimited = 0;
}
