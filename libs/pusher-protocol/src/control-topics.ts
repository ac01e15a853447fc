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
