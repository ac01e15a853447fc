import type { FullReport, PresenceReport } from '@switchboard/presence-report';

/**
 * What one presence replica knows of one edge: the counters of its latest report (always
 * current, they are absolute) and its topics and users as of its last applied report.
 * `synced` is false from a detected gap until the next full report.
 */
export class NodeView {
  inc: string;
  /** Sequence number of the last report applied (or skipped while unsynced). */
  seq = -1;
  synced = false;
  /** Aggregator clock when the last report arrived (expiry), and the edge's clock in it. */
  lastSeen: number;
  at: number;
  interval: number;
  conns = 0;
  subs = 0;
  deliveries = 0;
  /** Deliveries per second between the last two reports. */
  deliveryRate = 0;
  /** Subscribers per topic or pattern on this node. */
  readonly topics = new Map<string, number>();
  /** Distinct authenticated users per topic (topics without any are absent). */
  readonly topicUsers = new Map<string, Set<string>>();
  /** Distinct authenticated users connected. */
  readonly users = new Set<string>();
  /** Topics per user (the inverse of topicUsers). */
  readonly userTopics = new Map<string, Set<string>>();
  /** Parts of a full report still arriving. */
  pending: FullReport[] | null = null;

  constructor(
    readonly id: string,
    first: PresenceReport,
    now: number,
  ) {
    this.inc = first.inc;
    this.lastSeen = now;
    this.at = first.at;
    this.interval = first.interval;
  }

  /** Takes the counters of a report; they are absolute, so they apply even while unsynced. */
  noteTotals(report: PresenceReport, now: number): void {
    if (report.inc === this.inc && report.at > this.at && report.deliveries >= this.deliveries) {
      this.deliveryRate = ((report.deliveries - this.deliveries) * 1000) / (report.at - this.at);
    } else if (report.inc !== this.inc) {
      this.deliveryRate = 0;
    }
    this.lastSeen = now;
    this.at = Math.max(this.at, report.at);
    this.interval = report.interval;
    this.conns = report.conns;
    this.subs = report.subs;
    this.deliveries = report.deliveries;
  }
}
