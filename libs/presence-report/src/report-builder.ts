import { randomBytes } from 'node:crypto';
import type { PresenceSource } from './presence-source.js';
import {
  type ByeReport,
  type DeltaTopicEntry,
  type FullTopicEntry,
  type PresenceReport,
  REPORT_VERSION,
  type ReportHeader,
  type ReportTotals,
} from './report.js';
import { MAX_NAME_LENGTH } from './report-codec.js';

/** One sample of a node's presence state. */
interface Sample {
  totals: ReportTotals;
  /** Subscribers per topic or pattern. */
  counts: Map<string, number>;
  /** Distinct users per topic, only for topics with at least one authenticated subscriber. */
  topicUsers: Map<string, Set<string>>;
  /** Distinct users connected. */
  users: Set<string>;
}

/** The reports of one interval; `commit()` once they were all published. */
export interface BuiltReports {
  reports: PresenceReport[];
  commit(): void;
}

export interface ReportBuilderOptions {
  /** Incarnation id (default: random). */
  inc?: string;
  /**
   * Largest JSON (before compression) of one report part, roughly. A full report is cut in parts
   * of this size; a delta that would be larger is sent as a full report instead. Default 48 KiB,
   * far below the 1 MiB default payload limit of NATS even before compression.
   */
  maxPartBytes?: number;
}

/** Rough JSON size of a list of names. */
const namesBytes = (names: Iterable<string>): number => {
  let n = 2;
  for (const name of names) n += name.length + 3;
  return n;
};

const NONE: string[] = [];

/** A user presence can name: authenticated, and not absurdly long (a report with one would be refused whole). */
const reportable = (user: string | null): user is string => user !== null && user.length > 0 && user.length <= MAX_NAME_LENGTH;

/** The members of `a` not in `b` (a shared empty array when none, the common case). */
function missingFrom(a: Set<string> | undefined, b: Set<string> | undefined): string[] {
  if (a === undefined) return NONE;
  let out: string[] | undefined;
  for (const x of a) {
    if (b?.has(x)) continue;
    out ??= [];
    out.push(x);
  }
  return out ?? NONE;
}

function sample(source: PresenceSource): Sample {
  const counts = new Map<string, number>();
  const topicUsers = new Map<string, Set<string>>();
  for (const [topic, subscribers] of source.topics()) {
    if (subscribers.size === 0) continue;
    counts.set(topic, subscribers.size);
    let users: Set<string> | undefined;
    for (const sub of subscribers) {
      const user = sub.session.user;
      if (!reportable(user)) continue;
      users ??= new Set();
      users.add(user);
    }
    if (users !== undefined) topicUsers.set(topic, users);
  }
  const users = new Set<string>();
  for (const user of source.connectionUsers()) if (reportable(user)) users.add(user);
  return { totals: source.totals(), counts, topicUsers, users };
}

/**
 * The edge side of presence reports: samples the node's state each interval and turns it into
 * either a delta against the last published report or a full report (in parts). Nothing is
 * remembered as sent until `commit()`; a report that failed to publish is followed by a full
 * one, since receivers may have seen part of it.
 */
export class ReportBuilder {
  readonly inc: string;
  private readonly maxPartBytes: number;
  private seq = 0;
  private sent: Sample | null = null;

  constructor(
    private readonly nodeId: string,
    private readonly intervalMs: number,
    options: ReportBuilderOptions = {},
  ) {
    this.inc = options.inc ?? randomBytes(6).toString('base64url');
    this.maxPartBytes = options.maxPartBytes ?? 48 * 1024;
  }

  /** The reports for now: a full report when asked (or first, or when a delta would be big), else a delta. */
  build(source: PresenceSource, options: { full: boolean; at: number }): BuiltReports {
    const current = sample(source);
    const header = this.header(current.totals, options.at);
    let reports: PresenceReport[] | null = null;
    if (!options.full && this.sent !== null) reports = this.delta(header, this.sent, current);
    reports ??= this.full(header, current);
    return {
      reports,
      commit: () => {
        this.sent = current;
      },
    };
  }

  /** The last report of a node that shuts down. */
  bye(totals: ReportTotals, at: number): ByeReport {
    return { ...this.header(totals, at), kind: 'bye' };
  }

  /** Every report (each attempt) takes the next sequence number, even if it is not published. */
  private header(totals: ReportTotals, at: number): ReportHeader {
    return { v: REPORT_VERSION, node: this.nodeId, inc: this.inc, seq: ++this.seq, at, interval: this.intervalMs, ...totals };
  }

  /** The delta from `sent` to `current`, or null when it would be larger than one part. */
  private delta(header: ReportHeader, sent: Sample, current: Sample): PresenceReport[] | null {
    const topics: DeltaTopicEntry[] = [];
    let bytes = 0;
    for (const [topic, count] of current.counts) {
      const before = sent.counts.get(topic) ?? 0;
      const now = current.topicUsers.get(topic);
      const was = sent.topicUsers.get(topic);
      const added = missingFrom(now, was);
      const removed = missingFrom(was, now);
      if (count === before && added.length === 0 && removed.length === 0) continue;
      if (removed.length > 0) topics.push([topic, count, added, removed]);
      else if (added.length > 0) topics.push([topic, count, added]);
      else topics.push([topic, count]);
      bytes += topic.length + 16 + namesBytes(added) + namesBytes(removed);
      if (bytes > this.maxPartBytes) return null;
    }
    for (const topic of sent.counts.keys()) {
      if (current.counts.has(topic)) continue;
      topics.push([topic, 0]);
      bytes += topic.length + 8;
      if (bytes > this.maxPartBytes) return null;
    }
    const usersOn = [...current.users].filter((u) => !sent.users.has(u));
    const usersOff = [...sent.users].filter((u) => !current.users.has(u));
    if (bytes + namesBytes(usersOn) + namesBytes(usersOff) > this.maxPartBytes) return null;
    return [{ ...header, kind: 'delta', topics, usersOn, usersOff }];
  }

  /** The whole state, cut into parts of about `maxPartBytes` each. */
  private full(header: ReportHeader, current: Sample): PresenceReport[] {
    const slices: Array<{ topics: FullTopicEntry[]; users: string[] }> = [{ topics: [], users: [] }];
    let bytes = 0;
    const room = (size: number) => {
      if (bytes + size > this.maxPartBytes && bytes > 0) {
        slices.push({ topics: [], users: [] });
        bytes = 0;
      }
      bytes += size;
      return slices[slices.length - 1] as { topics: FullTopicEntry[]; users: string[] };
    };
    for (const [topic, count] of current.counts) {
      const users = current.topicUsers.get(topic);
      const size = topic.length + 16 + (users === undefined ? 0 : namesBytes(users));
      room(size).topics.push(users === undefined ? [topic, count] : [topic, count, [...users]]);
    }
    for (const user of current.users) room(user.length + 3).users.push(user);
    return slices.map((slice, part) => ({ ...header, kind: 'full', part, parts: slices.length, topics: slice.topics, users: slice.users }));
  }
}
