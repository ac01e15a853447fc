/**
 * Bus topics of the Pusher layer's own traffic (reserved: no client can reach them). An edge
 * that gets the first local subscriber of a presence channel asks the presence replicas for the
 * channel's members on MEMBERS_REQUEST_TOPIC, with its own reply topic; every replica answers
 * (the edge takes the first answer).
 */
export const MEMBERS_REQUEST_TOPIC = '$sb.pusher.members';

/** The reply topic of one edge. */
export function membersReplyTopic(nodeId: string): string {
  return `$sb.pusher.members.${nodeId}`;
}

export interface MembersRequest {
  id: number;
  topic: string;
  reply: string;
}

export interface MembersReply {
  id: number;
  /** `[user_id, user_info]` of every member the replica knows. */
  members: Array<[string, unknown]>;
}

/**
 * Edges → presence replicas: one client event of an app that has a `client_event` webhook
 * (JSON `ClientEventReport`), so the presence service sends the webhook once per cluster.
 */
export const CLIENT_EVENTS_TOPIC = '$sb.pusher.client_events';

export interface ClientEventReport {
  app: string;
  channel: string;
  event: string;
  /** The event's data as the webhook carries it: a string (a client's JSON value, serialised). */
  data: string;
  socket_id: string;
  /** Presence channels: the sender's member id. */
  user_id?: string;
}
