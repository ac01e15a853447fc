/** Reads a JWT's `exp`/`iat` claims (no signature check: the server does that) to plan refreshes. */
export interface TokenLifetime {
  /** `exp` in milliseconds since the epoch. */
  expiresAt: number;
  /** `iat` in milliseconds since the epoch, when present. */
  issuedAt: number | null;
}

/** Default and upper bound of how long before expiry a token is refreshed. */
export const DEFAULT_REFRESH_MARGIN_MS = 30_000;

function decodeBase64Url(text: string): string | null {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  try {
    return atob(padded);
  } catch {
    return null;
  }
}

/** The token's lifetime, or null when it is not a JWT with a numeric `exp` claim. */
export function readTokenLifetime(token: string): TokenLifetime | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return null;
  const json = decodeBase64Url(parts[1]);
  if (json === null) return null;
  let claims: unknown;
  try {
    claims = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof claims !== 'object' || claims === null) return null;
  const { exp, iat } = claims as { exp?: unknown; iat?: unknown };
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return null;
  return { expiresAt: exp * 1000, issuedAt: typeof iat === 'number' && Number.isFinite(iat) ? iat * 1000 : null };
}

/**
 * Milliseconds from `now` until the token should be refreshed: `marginMs` (default 30 s) or 10 %
 * of its lifetime, whichever is smaller, before `exp`. Null when the token has no `exp`.
 */
export function refreshDelay(token: string, now: number, marginMs = DEFAULT_REFRESH_MARGIN_MS): number | null {
  const life = readTokenLifetime(token);
  if (life === null) return null;
  const lifetime = Math.max(0, life.expiresAt - (life.issuedAt ?? now));
  const margin = Math.min(marginMs, lifetime * 0.1);
  return Math.max(0, life.expiresAt - margin - now);
}
