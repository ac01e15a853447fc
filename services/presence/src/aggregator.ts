import type { DeltaReport, FullReport, PresenceReport } from '@switchboard/presence-report';
import { NodeView } from './node-view.js';
import { PresenceIndex, type PresenceSummary, type TopicPresence, type UserPresence } from './presence-index.js';
import type { TransitionReason, UserTransition } from './user-transition.js';

export interface AggregatorOptions {
  /** PRESENCE_INTERVAL_MS: used for a node until its first report says its own interval. */
  intervalMs: number;
  /** A node is dropped after this many of its intervals without a report. Default 3. */
  expireAfter?: number;
  /**
   * No user events during this long after start (default 2 intervals): a new replica learns
   * who is online without announcing everyone as coming online.
   */
  quietMs?: number;
  now?: () => number;
  onTransition?: (transition: UserTransition) => void;
  /** A node's reports have a gap (or it is unknown): ask it for a full report. */
  onSyncNeeded?: (node: string) => void;
}

export interface AggregatorStats {
  reports: number;
  fullReports: number;
  deltas: number;
  /** Reports that could not be applied (gap, unknown node, lost part): a sync was requested. */
  gaps: number;
  expired: number;
  byes: number;
}

/**
 * Soft state of the cluster's presence, rebuilt from edge reports: each node's latest full
 * report plus the deltas that followed it, in sequence. A delta that does not follow (a gap, an
 * unknown node or incarnation, a lost part) is not applied: the node is marked unsynced, its
 * counters still update (they are absolute), and a full report is requested. A node that stops
 * reporting is dropped after `expireAfter` of its intervals.
 */
export class PresenceAggregator {
  readonly stats: AggregatorStats = { reports: 0, fullReports: 0, deltas: 0, gaps: 0, expired: 0, byes: 0 };
  private readonly index = new PresenceIndex();
  private readonly now: () => number;
  private readonly expireAfter: number;
  private readonly quietUntil: number;

  constructor(private readonly options: AggregatorOptions) {
    this.now = options.now ?? Date.now;
    this.expireAfter = options.expireAfter ?? 3;
    this.quietUntil = this.now() + (options.quietMs ?? 2 * options.intervalMs);
  }

  receive(report: PresenceReport): void {
    this.stats.reports++;
    const now = this.now();
    let node = this.index.nodes.get(report.node);
    if (report.kind === 'bye') {
      if (node !== undefined && node.inc === report.inc) {
        this.stats.byes++;
        this.drop(node, 'bye', report.seq, report.at);
      }
      return;
    }
    if (node === undefined) {
      node = new NodeView(report.node, report, now);
      this.index.nodes.set(node.id, node);
    } else if (node.inc === report.inc && (report.seq < node.seq || (report.seq === node.seq && report.kind === 'delta'))) {
      return; // late or repeated
    }
    node.noteTotals(report, now);
    if (report.kind === 'full') {
      this.fullPart(node, report);
      return;
    }
    this.stats.deltas++;
    if (node.inc !== report.inc || !node.synced || node.pending !== null || report.seq !== node.seq + 1) {
      node.inc = report.inc;
      node.seq = report.seq;
      node.synced = false;
      node.pending = null;
      this.needSync(node);
      return;
    }
    node.seq = report.seq;
    this.applyDelta(node, report);
  }

  /** Drops the nodes that missed `expireAfter` intervals. Cheap; called by a timer and before reads. */
  sweep(): void {
    const now = this.now();
    for (const node of [...this.index.nodes.values()]) {
      const deadline = node.lastSeen + this.expireAfter * node.interval;
      if (now < deadline) continue;
      this.stats.expired++;
      this.drop(node, 'expired', node.seq, node.at + this.expireAfter * node.interval);
    }
  }

  summary(): PresenceSummary {
    this.sweep();
    return this.index.summary(this.options.intervalMs);
  }

  topic(topic: string): TopicPresence {
    this.sweep();
    return this.index.topic(topic);
  }

  top(n: number): { topics: Array<{ topic: string; subscribers: number }>; count: number } {
    this.sweep();
    return this.index.top(n);
  }

  /**
   * Starts collecting the topics whose users change, that become occupied or empty, and (for
   * `watchCounts`) whose subscriber count changes (see PresenceIndex.touchedTopics); returns the live set.
   */
  watchTopicUsers(watchCounts: ((topic: string) => boolean) | null = null): Set<string> {
    this.index.watchCounts = watchCounts;
    this.index.touchedTopics ??= new Set();
    return this.index.touchedTopics;
  }

  /** Subscribers of `topic` over all nodes, as of the last sweep (cheap: no user union). */
  subscribers(topic: string): number {
    return this.index.subscribers(topic);
  }

  /** True during the quiet time after start: the state is being learned, nothing is announced. */
  quiet(): boolean {
    return this.now() < this.quietUntil;
  }

  /** Topics starting with `prefix` and their subscriber counts (see PresenceIndex.topicsWithPrefix). */
  topicsWithPrefix(prefix: string): Array<[topic: string, subscribers: number]> {
    this.sweep();
    return [...this.index.topicsWithPrefix(prefix)];
  }

  user(user: string): UserPresence {
    this.sweep();
    return this.index.user(user);
  }

  /** Ids of the nodes known, with whether each is in sync (for tests and logs). */
  nodes(): Array<{ id: string; synced: boolean; seq: number }> {
    return [...this.index.nodes.values()].map((n) => ({ id: n.id, synced: n.synced, seq: n.seq }));
  }

  private fullPart(node: NodeView, part: FullReport): void {
    const pending = node.pending;
    if (part.part === 0) {
      node.pending = [part];
    } else if (pending === null || pending[0]?.seq !== part.seq || pending[0]?.inc !== part.inc || pending.length !== part.part) {
      node.pending = null;
      node.synced = false;
      this.needSync(node);
      return;
    } else {
      pending.push(part);
    }
    const parts = node.pending;
    if (parts === null || parts.length < part.parts) return;
    node.pending = null;
    node.inc = part.inc;
    node.seq = part.seq;
    node.synced = true;
    this.stats.fullReports++;
    this.applyFull(node, parts);
  }

  private applyDelta(node: NodeView, report: DeltaReport): void {
    const index = this.index;
    for (const [topic, count, added = [], removed = []] of report.topics) {
      if (count === 0) {
        index.clearTopic(node, topic);
        continue;
      }
      for (const user of removed) index.removeTopicUser(node, topic, user);
      for (const user of added) index.addTopicUser(node, topic, user);
      index.setCount(node, topic, count);
    }
    for (const user of report.usersOn) if (index.addUser(node, user)) this.emit('online', user, node, 'report', report.at);
    for (const user of report.usersOff) if (index.removeUser(node, user)) this.emit('offline', user, node, 'report', report.at);
  }

  /** Replaces the node's state by the full report's, as a diff (users present in both stay online). */
  private applyFull(node: NodeView, parts: FullReport[]): void {
    const index = this.index;
    const counts = new Map<string, number>();
    const topicUsers = new Map<string, string[]>();
    const users = new Set<string>();
    for (const part of parts) {
      for (const [topic, count, list] of part.topics) {
        counts.set(topic, count);
        if (list !== undefined && list.length > 0) topicUsers.set(topic, list);
      }
      for (const user of part.users) users.add(user);
    }
    for (const topic of [...node.topics.keys()]) if (!counts.has(topic)) index.clearTopic(node, topic);
    for (const [topic, count] of counts) {
      const now = new Set(topicUsers.get(topic));
      for (const user of [...(node.topicUsers.get(topic) ?? [])]) if (!now.has(user)) index.removeTopicUser(node, topic, user);
      for (const user of now) index.addTopicUser(node, topic, user);
      index.setCount(node, topic, count);
    }
    const at = parts[0]?.at ?? this.now();
    for (const user of [...node.users])
      if (!users.has(user) && index.removeUser(node, user)) this.emit('offline', user, node, 'report', at);
    for (const user of users) if (index.addUser(node, user)) this.emit('online', user, node, 'report', at);
  }

  private drop(node: NodeView, reason: TransitionReason, seq: number, at: number): void {
    const inc = node.inc;
    for (const user of this.index.removeNode(node)) this.emit('offline', user, { id: node.id, inc, seq }, reason, at);
  }

  private emit(
    event: 'online' | 'offline',
    user: string,
    node: { id: string; inc: string; seq: number },
    reason: TransitionReason,
    at: number,
  ): void {
    if (this.quiet()) return;
    this.options.onTransition?.({ event, user, node: node.id, inc: node.inc, seq: node.seq, reason, at });
  }

  private needSync(node: NodeView): void {
    this.stats.gaps++;
    this.options.onSyncNeeded?.(node.id);
  }
}
