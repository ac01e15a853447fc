import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '@switchboard/config';
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { AuthConfig } from './auth-config.js';
import { expandPatterns, Permissions } from './permissions.js';

/** At most this many patterns per claim; a token with more is refused. */
export const MAX_PATTERNS_PER_CLAIM = 1000;

/** What a valid token says about its client. */
export interface VerifiedToken {
  /** The `sub` claim: the user. */
  sub: string;
  /** `exp` in milliseconds since the epoch. */
  expiresAt: number;
  permissions: Permissions;
}

/** A token that was refused. `message` is short and safe to show the client (a close reason). */
export class TokenRejectedError extends Error {
  override readonly name = 'TokenRejectedError';
  constructor(
    message: string,
    /** True when the only fault is that the token expired. */
    readonly expired = false,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface VerifierOptions {
  /** JWKS: the shortest time between two fetches of the key set (jose's cooldown), default 30 s. */
  jwksCooldownMs?: number;
  /** JWKS: how long a fetched key set is trusted without refetching, default 10 min. */
  jwksCacheMaxAgeMs?: number;
  /** JWKS: fetch timeout, default 5 s. */
  jwksTimeoutMs?: number;
}

type Key = Uint8Array | KeyObject | JWTVerifyGetKey;

/** Reads a PEM public key (or a certificate's) and picks its algorithm: RS256 for RSA, ES256 for P-256. */
function readPublicKey(file: string): { key: KeyObject; algorithm: string } {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`invalid AUTH_PUBLIC_KEY_FILE (got "${file}"): cannot read it (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  let key: KeyObject;
  try {
    key = pem.includes('-----BEGIN CERTIFICATE-----') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  } catch {
    throw new ConfigError(`invalid AUTH_PUBLIC_KEY_FILE (got "${file}"): not a PEM public key or certificate`);
  }
  if (key.asymmetricKeyType === 'rsa') return { key, algorithm: 'RS256' };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, algorithm: 'ES256' };
  throw new ConfigError(`invalid AUTH_PUBLIC_KEY_FILE (got "${file}"): the key must be RSA (RS256) or EC P-256 (ES256)`);
}

function claimPatterns(payload: JWTPayload, name: 'subscribe' | 'publish', sub: string): string[] {
  const value = payload[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new TokenRejectedError(`invalid token: "${name}" must be an array of topic patterns`);
  if (value.length > MAX_PATTERNS_PER_CLAIM)
    throw new TokenRejectedError(`invalid token: more than ${MAX_PATTERNS_PER_CLAIM} "${name}" patterns`);
  return expandPatterns(value, sub);
}

/** A short, client-safe reason for a jose error. */
function reasonOf(err: unknown): TokenRejectedError {
  if (err instanceof TokenRejectedError) return err;
  const because = { cause: err };
  if (err instanceof errors.JWTExpired) return new TokenRejectedError('token expired', true, because);
  if (err instanceof errors.JWTClaimValidationFailed)
    return new TokenRejectedError(`invalid token: claim "${err.claim}" ${err.reason}`, false, because);
  if (err instanceof errors.JWSSignatureVerificationFailed) return new TokenRejectedError('invalid token: bad signature', false, because);
  if (err instanceof errors.JOSEAlgNotAllowed) return new TokenRejectedError('invalid token: algorithm not allowed', false, because);
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)
    return new TokenRejectedError('invalid token: unknown signing key', false, because);
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid)
    return new TokenRejectedError('key set unavailable', false, because);
  if (err instanceof errors.JOSEError && /^ERR_JW[TS]_INVALID$/.test(err.code))
    return new TokenRejectedError('invalid token: malformed', false, because);
  if (err instanceof errors.JOSEError) return new TokenRejectedError(`invalid token: ${err.code}`, false, because);
  // A network error while fetching the key set, and the like.
  return new TokenRejectedError('key set unavailable', false, because);
}

/**
 * Verifies client JWTs: the signature (HS256 secret, a PEM public key, or a remote JWKS that is
 * cached and refetched when a token names an unknown `kid`), `exp` (required; a grace of
 * `AUTH_EXPIRY_GRACE_MS` absorbs clock skew), `nbf`, `iss`/`aud` when configured, and `sub`
 * (required, a non-empty string). The `subscribe`/`publish` claims become Permissions.
 */
export class TokenVerifier {
  private constructor(
    private readonly key: Key,
    private readonly algorithms: string[],
    private readonly config: AuthConfig,
    /** `hs256`, `public-key` or `jwks`: for the start-up log. */
    readonly kind: 'hs256' | 'public-key' | 'jwks',
  ) {}

  /** The verifier `config` asks for, or null when no key source is set (auth off). Throws ConfigError. */
  static fromConfig(config: AuthConfig, options: VerifierOptions = {}): TokenVerifier | null {
    const sources = (['AUTH_JWT_SECRET', 'AUTH_PUBLIC_KEY_FILE', 'AUTH_JWKS_URL'] as const).filter((name) => config[name] !== undefined);
    if (sources.length > 1) throw new ConfigError(`invalid ${sources[1]}: set only one of ${sources.join(', ')}`);
    if (config.AUTH_JWT_SECRET !== undefined) {
      return new TokenVerifier(new TextEncoder().encode(config.AUTH_JWT_SECRET), ['HS256'], config, 'hs256');
    }
    if (config.AUTH_PUBLIC_KEY_FILE !== undefined) {
      const { key, algorithm } = readPublicKey(config.AUTH_PUBLIC_KEY_FILE);
      return new TokenVerifier(key, [algorithm], config, 'public-key');
    }
    if (config.AUTH_JWKS_URL !== undefined) {
      const jwks = createRemoteJWKSet(new URL(config.AUTH_JWKS_URL), {
        cooldownDuration: options.jwksCooldownMs ?? 30_000,
        cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
        timeoutDuration: options.jwksTimeoutMs ?? 5000,
      });
      return new TokenVerifier(jwks, ['RS256', 'ES256'], config, 'jwks');
    }
    return null;
  }

  /** Resolves with what the token grants, or rejects with a TokenRejectedError. */
  async verify(token: string): Promise<VerifiedToken> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: this.algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.config.AUTH_EXPIRY_GRACE_MS / 1000,
        ...(this.config.AUTH_ISSUER === undefined ? {} : { issuer: this.config.AUTH_ISSUER }),
        ...(this.config.AUTH_AUDIENCE.length === 0 ? {} : { audience: this.config.AUTH_AUDIENCE }),
      }));
    } catch (err) {
      throw reasonOf(err);
    }
    const { sub, exp } = payload;
    if (typeof sub !== 'string' || sub.length === 0) throw new TokenRejectedError('invalid token: "sub" must be a non-empty string');
    if (typeof exp !== 'number') throw new TokenRejectedError('invalid token: "exp" must be a number');
    const permissions = new Permissions(claimPatterns(payload, 'subscribe', sub), claimPatterns(payload, 'publish', sub));
    return { sub, expiresAt: exp * 1000, permissions };
  }
}
