/** Plain counters bumped on the hot path and read by /metrics and presence at scrape time. */
export class EdgeStats {
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
}
