/**
 * Tiny copy of the server's topic matching (the SDK has no runtime dependencies). A pattern
 * token `*` matches exactly one token; a last token `>` matches one or more trailing tokens.
 */

/** True when the pattern has a wildcard token (such subscriptions are live-only). */
export function isWildcard(pattern: string): boolean {
  return pattern.split('.').some((token) => token === '*' || token === '>');
}

/** Does `pattern` match the concrete `topic`? */
export function matchTopic(pattern: string, topic: string): boolean {
  if (pattern === topic) return true;
  const p = pattern.split('.');
  const t = topic.split('.');
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === '>' && i === p.length - 1) return t.length > i;
    if (i >= t.length) return false;
    if (token !== '*' && token !== t[i]) return false;
  }
  return p.length === t.length;
}
