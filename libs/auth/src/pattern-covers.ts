/**
 * Pattern-in-pattern containment with NATS semantics (`*` = exactly one token, `>` = one or
 * more trailing tokens): true when every concrete topic that `requested` can match is also
 * matched by `granted`. Both must be valid patterns (see `isValidPattern`); a concrete topic is
 * a pattern without wildcards, so this also answers "does `granted` match this topic".
 *
 * Examples: `chat.>` covers `chat.*` and `chat.a.>`; `chat.*` covers `chat.a` but not `chat.>`
 * (which also matches `chat.a.b`); `a.*.c` does not cover `a.>`. A reserved topic (`$…`) is
 * covered only by a grant of exactly that name, as no wildcard ever matches one.
 */
export function patternCovers(granted: string, requested: string): boolean {
  if (granted === requested) return true;
  if (requested.charCodeAt(0) === 0x24 /* $ */) return false;
  const g = granted.split('.');
  const r = requested.split('.');
  for (let i = 0; i < g.length; i++) {
    const want = g[i];
    // `>` takes whatever is left, which must be at least one token (`a.>` does not match `a`).
    if (want === '>') return r.length > i;
    const asked = r[i];
    if (asked === undefined) return false;
    // The request takes any number of further tokens: only a `>` in the grant covers that.
    if (asked === '>') return false;
    if (want === '*') continue;
    // A literal grant token covers only the same literal (not a `*` in the request).
    if (want !== asked) return false;
  }
  return g.length === r.length;
}
