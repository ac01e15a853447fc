import type { ReportTotals } from './report.js';

/** A local subscriber as presence sees it: only whose session it is. */
export interface PresenceSubscriber {
  readonly session: { readonly user: string | null };
}

/**
 * What an edge exposes to its presence reporter. Everything is read synchronously at report
 * time, so the reporter never touches the hot path.
 */
export interface PresenceSource {
  readonly nodeId: string;
  totals(): ReportTotals;
  /** Every topic or pattern this node holds, with its local subscribers. */
  topics(): Iterable<readonly [string, ReadonlySet<PresenceSubscriber>]>;
  /** The user (`sub` claim) of each open connection; null for an unauthenticated one. */
  connectionUsers(): Iterable<string | null>;
}
