/**
 * A presence channel member as it travels in the edges' presence reports: the report's per-topic
 * "user" string of a Pusher presence subscription is `JSON.stringify([user_id, user_info])`, so
 * the presence service learns both the id and the info every member list needs. (Pusher
 * presence topics are reserved topics, so these strings never mix with native users.)
 */
export interface PresenceMember {
  id: string;
  info: unknown;
}

export function encodeMember(member: PresenceMember): string {
  return JSON.stringify([member.id, member.info ?? null]);
}

export function decodeMember(text: string): PresenceMember | null {
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string') return null;
    return { id: value[0], info: value[1] };
  } catch {
    return null;
  }
}
