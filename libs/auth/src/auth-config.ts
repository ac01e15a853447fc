import { intVar, listVar } from '@switchboard/config';
import { z } from 'zod';

const optional = () => z.string().min(1).optional();

/**
 * The token settings a service that authenticates clients reads. At most one key source may be
 * set: `AUTH_JWT_SECRET` (HS256), `AUTH_PUBLIC_KEY_FILE` (a PEM public key or certificate,
 * RS256 or ES256 by its key type) or `AUTH_JWKS_URL` (a JSON Web Key Set, RS256/ES256). None =
 * no authentication.
 */
export const authEnv = {
  /** HS256 shared secret; at least 32 characters (RFC 7518 wants a key as long as the hash). */
  AUTH_JWT_SECRET: z.string().min(32, 'at least 32 characters (HS256 needs a 256-bit key)').optional(),
  AUTH_PUBLIC_KEY_FILE: optional(),
  AUTH_JWKS_URL: z
    .string()
    .refine((v) => /^https?:\/\/[^/]+/.test(v) && URL.canParse(v), 'an http(s) URL')
    .optional(),
  /** Required `iss` claim, when set. */
  AUTH_ISSUER: optional(),
  /** Accepted `aud` values (comma-separated), when set: the token's `aud` must contain one. */
  AUTH_AUDIENCE: listVar(),
  /** A token counts as expired this long after its `exp` (clock skew, refresh latency). */
  AUTH_EXPIRY_GRACE_MS: intVar(5000, 0, 600_000),
};

export type AuthConfig = z.infer<z.ZodObject<typeof authEnv>>;
