import { type JWTPayload, SignJWT } from 'jose';

/** The HS256 secret the auth tests configure (AUTH_JWT_SECRET). */
export const SECRET = 'edge-test-secret-0123456789-abcdefghij';

/** Seconds since the epoch. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** An HS256 token: `sub` and a 60 s `exp` unless the claims say otherwise. */
export function token(claims: JWTPayload = {}, secret = SECRET): Promise<string> {
  return new SignJWT({ sub: 'alice', exp: nowSeconds() + 60, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret));
}
