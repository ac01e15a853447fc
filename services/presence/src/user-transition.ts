import { createHash } from 'node:crypto';
import { PRESENCE_USERS_TOPIC } from '@switchboard/protocol';

export type UserEventName = 'online' | 'offline';

/** Why a user's presence changed: a report said so, the node said goodbye, or it expired. */
export type TransitionReason = 'report' | 'bye' | 'expired';

/** A user's first connection appeared, or the last one went (as one replica sees it). */
export interface UserTransition {
  event: UserEventName;
  user: string;
  /** The report that caused it: node, incarnation and sequence number. */
  node: string;
  inc: string;
  seq: number;
  reason: TransitionReason;
  /** Edge clock of that report (for `expired`: the moment the node counts as gone), ms. */
  at: number;
}

/** The event as the webhook and `$presence.users` carry it. */
export interface UserEvent {
  /** Same on every replica that saw the same report sequence: receivers dedupe on it. */
  id: string;
  event: UserEventName;
  user: string;
  /** ISO time. */
  at: string;
}

export { PRESENCE_USERS_TOPIC };

/** The event of a transition; its id and time derive from the report, not from this replica. */
export function userEventOf(t: UserTransition): UserEvent {
  const id = createHash('sha256').update(`${t.event}\n${t.user}\n${t.node}\n${t.inc}\n${t.seq}\n${t.reason}`).digest('hex').slice(0, 32);
  return { id, event: t.event, user: t.user, at: new Date(t.at).toISOString() };
}
