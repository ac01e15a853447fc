/**
 * Bus topics of the presence control traffic. They start with `$`, outside the client topic
 * grammar (see `isReservedTopic` in @switchboard/protocol): no client can publish or subscribe
 * to them, and no wildcard subscription matches them.
 */

/** Edges publish their reports (full, delta, bye) here. */
export const PRESENCE_REPORT_TOPIC = '$sb.presence.reports';

/** Presence replicas ask edges for a full snapshot here. */
export const PRESENCE_SYNC_TOPIC = '$sb.presence.sync';

/** Presence replicas announce themselves here (see services/presence's ReplicaRoster). */
export const PRESENCE_REPLICAS_TOPIC = '$sb.presence.replicas';
