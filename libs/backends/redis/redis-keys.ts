/**
 * The Redis namespace of Switchboard, shared by the Redis bus and the Redis history store (the
 * history's Lua script publishes on the bus channel, so both must name it alike).
 *
 * Every name carries the topic as its hash tag (`{topic}`), so a topic's channel and its history
 * keys live in one cluster slot: the append script may touch the keys and SPUBLISH on the channel
 * in one atomic call. Plain Redis uses the same names, so switching modes changes nothing.
 *
 * - `<prefix>:{<topic>}:m`      pub/sub channel (PUBLISH/SUBSCRIBE, SPUBLISH/SSUBSCRIBE in a cluster)
 * - `<prefix>:{<topic>}:seq`    offset counter (INCR)
 * - `<prefix>:{<topic>}:epoch`  epoch of the current sequence
 * - `<prefix>:{<topic>}:log`    stream of the kept messages, entry id `<offset>-0`
 */
export const DEFAULT_REDIS_PREFIX = 'sb';

/** Same characters as topics: no braces (they would move the hash tag), no glob specials. */
const PREFIX = /^[A-Za-z0-9_\-:@~.]{1,64}$/;

/** Returns the prefix, or throws a RangeError naming the problem. */
export function checkRedisPrefix(prefix: string): string {
  if (!PREFIX.test(prefix)) {
    throw new RangeError(`Redis prefix "${prefix}" must be 1-64 characters of A-Z a-z 0-9 _ - : @ ~ .`);
  }
  return prefix;
}

/** The pub/sub channel of a concrete topic. */
export function redisChannel(prefix: string, topic: string): string {
  return `${prefix}:{${topic}}:m`;
}

/** The topic of a channel named by `redisChannel`, or null when the channel is not one. */
export function redisTopicOfChannel(prefix: string, channel: string): string | null {
  const head = prefix.length + 2;
  if (channel.length <= head + 3 || !channel.startsWith(prefix) || !channel.endsWith('}:m')) return null;
  if (channel.charCodeAt(prefix.length) !== 0x3a /* : */ || channel.charCodeAt(prefix.length + 1) !== 0x7b /* { */) return null;
  return channel.slice(head, -3);
}

/** Escapes the characters that are special in a Redis glob. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * A Redis glob (PSUBSCRIBE) that matches the channel of every topic the NATS-style pattern
 * matches, and possibly more: each `*` or `>` token becomes `*`, which also spans dots. The
 * subscriber filters every delivery with `matchTopic`, so the semantics stay NATS's.
 */
export function redisPatternGlob(prefix: string, pattern: string): string {
  const tokens = pattern.split('.').map((token) => (token === '*' || token === '>' ? '*' : escapeGlob(token)));
  return `${escapeGlob(prefix)}:{${tokens.join('.')}}:m`;
}

export interface RedisHistoryKeys {
  seq: string;
  log: string;
  epoch: string;
}

/** The history keys of a topic (one slot with its channel). */
export function redisHistoryKeys(prefix: string, topic: string): RedisHistoryKeys {
  const base = `${prefix}:{${topic}}`;
  return { seq: `${base}:seq`, log: `${base}:log`, epoch: `${base}:epoch` };
}
