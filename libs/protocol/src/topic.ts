/**
 * Topic grammar: 1–255 bytes of dot-separated tokens, each token one or more of
 * `A-Z a-z 0-9 _ - : @ ~`. A subscription pattern may use `*` as a whole token (exactly one
 * token) and `>` as the last token (one or more trailing tokens), as in NATS.
 */
export const MAX_TOPIC_BYTES = 255;

const TOKEN = /^[A-Za-z0-9_\-:@~]+$/;

/** Every allowed character is ASCII, so the string length equals the byte length. */
function tokensOf(value: unknown): string[] | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TOPIC_BYTES) return null;
  return value.split('.');
}

/** A concrete topic: what a message is published to. */
export function isValidTopic(value: unknown): value is string {
  const tokens = tokensOf(value);
  return tokens?.every((t) => TOKEN.test(t)) === true;
}

/** A topic or a wildcard pattern: what a client may subscribe to. */
export function isValidPattern(value: unknown): value is string {
  const tokens = tokensOf(value);
  if (tokens === null) return false;
  return tokens.every((t, i) => t === '*' || (t === '>' && i === tokens.length - 1) || TOKEN.test(t));
}

/** True when a valid pattern contains a wildcard token. */
export function isWildcard(pattern: string): boolean {
  return pattern === '*' || pattern === '>' || pattern.startsWith('*.') || pattern.includes('.*') || pattern.endsWith('.>');
}

/** Does `pattern` (valid, possibly wildcard) match the concrete `topic`? */
export function matchTopic(pattern: string, topic: string): boolean {
  if (pattern === topic) return true;
  // A reserved topic (`$…`, see reserved-topics.ts) is never reached through a wildcard.
  if (topic.charCodeAt(0) === 0x24) return false;
  const p = pattern.split('.');
  const t = topic.split('.');
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === '>') return t.length > i;
    if (i >= t.length) return false;
    if (token !== '*' && token !== t[i]) return false;
  }
  return p.length === t.length;
}
