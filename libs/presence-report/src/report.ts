/** Version of the report format; a decoder refuses any other. */
export const REPORT_VERSION = 1;

/** Counters every report carries as absolute values (so totals never depend on deltas). */
export interface ReportTotals {
  /** Open client connections. */
  conns: number;
  /** Client subscriptions held (a connection's topic or pattern counts once). */
  subs: number;
  /** Message frames written to clients since the edge started (a counter). */
  deliveries: number;
}

/** What every report starts with. */
export interface ReportHeader extends ReportTotals {
  v: typeof REPORT_VERSION;
  /** NODE_ID of the edge. */
  node: string;
  /** Incarnation: random per edge process, so a restarted node with the same id starts over. */
  inc: string;
  /** +1 per report of this incarnation; every part of one full report shares it. */
  seq: number;
  /** Edge clock (ms since the epoch) when the report was built. */
  at: number;
  /** The edge's report interval (ms): receivers expire the node after 3 of them. */
  interval: number;
}

/** `[topic, subscribers, users]`: every topic or pattern with local subscribers. */
export type FullTopicEntry = [topic: string, subscribers: number, users?: string[]];

/**
 * `[topic, subscribers, usersAdded, usersRemoved]`: a topic whose count or users changed since
 * the previous report; `subscribers` 0 means it has none left (and no users).
 */
export type DeltaTopicEntry = [topic: string, subscribers: number, added?: string[], removed?: string[]];

/** The whole state of the node, possibly in several parts (each a slice of topics and users). */
export interface FullReport extends ReportHeader {
  kind: 'full';
  /** 0-based index of this part, and how many parts the report has. */
  part: number;
  parts: number;
  topics: FullTopicEntry[];
  /** Distinct authenticated users connected to the node (this part's slice). */
  users: string[];
}

/** Changes since the report `seq - 1`. */
export interface DeltaReport extends ReportHeader {
  kind: 'delta';
  topics: DeltaTopicEntry[];
  /** Users with their first connection on this node, and users whose last one closed. */
  usersOn: string[];
  usersOff: string[];
}

/** The node is shutting down: forget it now instead of after 3 intervals. */
export interface ByeReport extends ReportHeader {
  kind: 'bye';
}

export type PresenceReport = FullReport | DeltaReport | ByeReport;

/** A presence replica asks for a full report: from every edge (`node` null) or from one. */
export interface SyncRequest {
  v: typeof REPORT_VERSION;
  kind: 'sync';
  /** Id of the asking replica (for logs). */
  from: string;
  node: string | null;
}
