/**
 * Reserved topics: names that start with `$`, outside the client grammar. The servers use them
 * for their own traffic (edge presence reports on `$sb.presence.*`) and events (`$presence.users`).
 *
 * - No client (WebSocket or publish API) may publish to one: publish validation is the grammar's.
 * - No wildcard ever matches one (`>` does not receive `$sb.presence.reports`).
 * - A client may subscribe (exactly, by name) only to the readable ones listed here, subject to
 *   its permissions when auth is on.
 */

/** Online/offline events of users, published by the presence service. */
export const PRESENCE_USERS_TOPIC = '$presence.users';

const CLIENT_READABLE: ReadonlySet<string> = new Set([PRESENCE_USERS_TOPIC]);

/** True for a reserved topic (first character `$`). */
export function isReservedTopic(topic: string): boolean {
  return topic.charCodeAt(0) === 0x24;
}

/** A reserved topic that clients may subscribe to by its exact name. */
export function isClientReadableReservedTopic(value: unknown): value is string {
  return typeof value === 'string' && CLIENT_READABLE.has(value);
}
