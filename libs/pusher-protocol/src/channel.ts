/**
 * Pusher channel names and where they live on our bus. Every app's channels are topics under
 * the reserved prefix `$pusher.<appId>.`: reserved topics (`$…`) are outside the native topic
 * grammar, so no native client can publish to one, subscribe to one, or reach one through a
 * wildcard; and the app id token keeps apps apart from each other.
 */

/** Pusher's channel name grammar and length limit. */
const CHANNEL = /^[A-Za-z0-9_\-=@,.;]{1,164}$/;

export const PUSHER_TOPIC_PREFIX = '$pusher.';

export type ChannelKind = 'public' | 'private' | 'presence' | 'encrypted';

export function isValidChannel(value: unknown): value is string {
  return typeof value === 'string' && CHANNEL.test(value);
}

export function channelKind(channel: string): ChannelKind {
  if (channel.startsWith('private-encrypted-')) return 'encrypted';
  if (channel.startsWith('private-')) return 'private';
  if (channel.startsWith('presence-')) return 'presence';
  return 'public';
}

/** Channels that need a signed authorisation to subscribe (and that may carry client events). */
export function needsAuth(kind: ChannelKind): boolean {
  return kind !== 'public';
}

// The four channel characters outside a topic token (`.` separates tokens) become `~XX`; `~` is
// not a channel character, so the mapping is one-to-one and the channel is always ONE token.
const ESCAPES: Record<string, string> = { '.': '~2E', '=': '~3D', ',': '~2C', ';': '~3B' };
const UNESCAPES: Record<string, string> = { '~2E': '.', '~3D': '=', '~2C': ',', '~3B': ';' };

/** The bus topic of `channel` (valid) of app `appId`: `$pusher.<appId>.<channel, escaped>`. */
export function channelTopic(appId: string, channel: string): string {
  return `${PUSHER_TOPIC_PREFIX}${appId}.${channel.replace(/[.=,;]/g, (c) => ESCAPES[c] ?? c)}`;
}

/** The topic prefix of one app's channels (for listing them). */
export function appTopicPrefix(appId: string): string {
  return `${PUSHER_TOPIC_PREFIX}${appId}.`;
}

/** The app id and channel of a Pusher topic, or null for any other topic. */
export function topicChannel(topic: string): { appId: string; channel: string } | null {
  if (!topic.startsWith(PUSHER_TOPIC_PREFIX)) return null;
  const rest = topic.slice(PUSHER_TOPIC_PREFIX.length);
  const dot = rest.indexOf('.');
  if (dot <= 0 || rest.indexOf('.', dot + 1) >= 0) return null;
  return { appId: rest.slice(0, dot), channel: rest.slice(dot + 1).replace(/~(2E|3D|2C|3B)/g, (e) => UNESCAPES[e] ?? e) };
}
