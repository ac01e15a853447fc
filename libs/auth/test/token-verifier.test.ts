import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, parseEnv } from '@switchboard/config';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { authEnv } from '../src/auth-config.js';
import { TokenRejectedError, TokenVerifier, type VerifierOptions } from '../src/token-verifier.js';

const SECRET = 'test-secret-of-at-least-32-characters!';
const now = () => Math.floor(Date.now() / 1000);

function verifier(env: Record<string, string>, options?: VerifierOptions): TokenVerifier {
  const v = TokenVerifier.fromConfig(parseEnv(authEnv, env), options);
  assert.ok(v !== null);
  return v;
}

type Signer = { alg: string; key: Parameters<SignJWT['sign']>[0]; kid?: string };

function sign(payload: JWTPayload, signer: Signer = { alg: 'HS256', key: new TextEncoder().encode(SECRET) }): Promise<string> {
  const header = signer.kid === undefined ? { alg: signer.alg } : { alg: signer.alg, kid: signer.kid };
  return new SignJWT(payload).setProtectedHeader(header).sign(signer.key);
}

async function rejected(v: TokenVerifier, token: string, reason: RegExp): Promise<TokenRejectedError> {
  const err = await v.verify(token).then(
    () => assert.fail('the token was accepted'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof TokenRejectedError, String(err));
  assert.match(err.message, reason);
  assert.ok(Buffer.byteLength(err.message) <= 123, 'fits a close reason');
  return err;
}

const unsigned = (payload: object) =>
  `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;

describe('TokenVerifier (HS256, AUTH_JWT_SECRET)', () => {
  const v = verifier({ AUTH_JWT_SECRET: SECRET, AUTH_EXPIRY_GRACE_MS: '0' });

  it('accepts a valid token: sub, exp in ms, expanded permissions', async () => {
    const exp = now() + 60;
    const token = await sign({ sub: 'alice', exp, subscribe: ['user.{sub}.>', 'chat.*'], publish: ['chat.room-1'] });
    const verified = await v.verify(token);
    assert.equal(verified.sub, 'alice');
    assert.equal(verified.expiresAt, exp * 1000);
    assert.deepEqual(verified.permissions.subscribe, ['user.alice.>', 'chat.*']);
    assert.deepEqual(verified.permissions.publish, ['chat.room-1']);
  });

  it('a missing claim grants nothing for that action', async () => {
    const verified = await v.verify(await sign({ sub: 'alice', exp: now() + 60 }));
    assert.equal(verified.permissions.empty, true);
  });

  const BAD: ReadonlyArray<readonly [string, () => Promise<string>, RegExp]> = [
    ['expired', () => sign({ sub: 'a', exp: now() - 10 }), /^token expired$/],
    ['without exp', () => sign({ sub: 'a' }), /claim "exp"/],
    ['without sub', () => sign({ exp: now() + 60 }), /claim "sub"/],
    ['with a numeric sub', () => sign({ sub: 42 as unknown as string, exp: now() + 60 }), /sub/],
    ['with an empty sub', () => sign({ sub: '', exp: now() + 60 }), /sub/],
    ['not yet valid (nbf)', () => sign({ sub: 'a', exp: now() + 60, nbf: now() + 30 }), /claim "nbf"/],
    [
      'signed with another secret',
      () => sign({ sub: 'a', exp: now() + 60 }, { alg: 'HS256', key: new TextEncoder().encode(`${SECRET}x`) }),
      /bad signature/,
    ],
    [
      'signed with HS512',
      () => sign({ sub: 'a', exp: now() + 60 }, { alg: 'HS512', key: new TextEncoder().encode(SECRET.repeat(2)) }),
      /algorithm not allowed/,
    ],
    ['unsigned (alg none)', async () => unsigned({ sub: 'a', exp: now() + 60 }), /algorithm not allowed|malformed/],
    ['garbage', async () => 'not.a.jwt', /malformed/],
    ['with "subscribe" not an array', () => sign({ sub: 'a', exp: now() + 60, subscribe: 'chat.>' }), /"subscribe" must be an array/],
    [
      'with too many patterns',
      () => sign({ sub: 'a', exp: now() + 60, publish: Array.from({ length: 1001 }, (_, i) => `t${i}`) }),
      /more than 1000/,
    ],
  ];
  for (const [what, make, reason] of BAD) {
    it(`refuses a token ${what}`, async () => {
      const err = await rejected(v, await make(), reason);
      assert.equal(err.expired, what === 'expired');
    });
  }

  it('tampering with the payload breaks the signature', async () => {
    const token = await sign({ sub: 'alice', exp: now() + 60, subscribe: ['user.alice.>'] });
    const [h, , s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'alice', exp: now() + 60, subscribe: ['>'] })).toString('base64url')}.${s}`;
    await rejected(v, forged, /bad signature/);
  });

  it('AUTH_EXPIRY_GRACE_MS accepts a token that expired within the grace', async () => {
    const lenient = verifier({ AUTH_JWT_SECRET: SECRET, AUTH_EXPIRY_GRACE_MS: '30000' });
    const token = await sign({ sub: 'a', exp: now() - 10 });
    assert.equal((await lenient.verify(token)).sub, 'a');
    await rejected(v, token, /expired/);
  });

  it('checks iss and aud when configured', async () => {
    const strict = verifier({ AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: 'https://issuer.test', AUTH_AUDIENCE: 'switchboard,other' });
    const ok = await sign({ sub: 'a', exp: now() + 60, iss: 'https://issuer.test', aud: ['x', 'switchboard'] });
    assert.equal((await strict.verify(ok)).sub, 'a');
    await rejected(strict, await sign({ sub: 'a', exp: now() + 60, aud: 'switchboard' }), /claim "iss"/);
    await rejected(strict, await sign({ sub: 'a', exp: now() + 60, iss: 'https://evil.test', aud: 'switchboard' }), /claim "iss"/);
    await rejected(strict, await sign({ sub: 'a', exp: now() + 60, iss: 'https://issuer.test', aud: 'nope' }), /claim "aud"/);
  });
});

describe('TokenVerifier (AUTH_PUBLIC_KEY_FILE)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-auth-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const alg of ['RS256', 'ES256'] as const) {
    it(`${alg}: accepts tokens of the key's algorithm, refuses others and alg confusion`, async () => {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
      const pem = await exportSPKI(publicKey);
      const file = join(dir, `${alg}.pem`);
      writeFileSync(file, pem);
      const v = verifier({ AUTH_PUBLIC_KEY_FILE: file });
      assert.equal(v.kind, 'public-key');
      const token = await sign({ sub: 'bob', exp: now() + 60, subscribe: ['a'] }, { alg, key: privateKey });
      assert.equal((await v.verify(token)).sub, 'bob');
      // The classic confusion: an HS256 token "signed" with the public key's PEM text as the secret.
      await rejected(
        v,
        await sign({ sub: 'bob', exp: now() + 60 }, { alg: 'HS256', key: new TextEncoder().encode(pem) }),
        /algorithm not allowed/,
      );
      const other = await generateKeyPair(alg);
      await rejected(v, await sign({ sub: 'bob', exp: now() + 60 }, { alg, key: other.privateKey }), /bad signature/);
    });
  }

  it('config errors name the variable: unreadable file, not a key, two key sources, short secret', () => {
    const bad = (env: Record<string, string>, name: RegExp) =>
      assert.throws(
        () => TokenVerifier.fromConfig(parseEnv(authEnv, env)),
        (err: unknown) => err instanceof ConfigError && name.test(err.message),
      );
    bad({ AUTH_PUBLIC_KEY_FILE: join(dir, 'missing.pem') }, /AUTH_PUBLIC_KEY_FILE.*cannot read/);
    writeFileSync(join(dir, 'junk.pem'), 'hello');
    bad({ AUTH_PUBLIC_KEY_FILE: join(dir, 'junk.pem') }, /AUTH_PUBLIC_KEY_FILE.*not a PEM/);
    bad({ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: 'https://keys.test/jwks.json' }, /AUTH_JWKS_URL.*only one of/);
    bad({ AUTH_JWT_SECRET: 'short' }, /AUTH_JWT_SECRET/);
    bad({ AUTH_JWKS_URL: 'ftp://keys.test' }, /AUTH_JWKS_URL/);
    assert.equal(TokenVerifier.fromConfig(parseEnv(authEnv, {})), null, 'no key source: auth off');
  });
});

describe('TokenVerifier (AUTH_JWKS_URL)', () => {
  let server: Server;
  let url = '';
  let keys: JWK[] = [];
  let fetches = 0;
  const pairs = new Map<string, Awaited<ReturnType<typeof generateKeyPair>>>();

  const addKey = async (kid: string, alg: 'RS256' | 'ES256') => {
    const pair = await generateKeyPair(alg, { extractable: true });
    pairs.set(kid, pair);
    keys.push({ ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' });
  };
  const signWith = (kid: string, alg: string, payload: JWTPayload = { sub: 'carol', exp: now() + 60 }) =>
    sign(payload, { alg, key: pairs.get(kid)?.privateKey as Signer['key'], kid });

  before(async () => {
    await addKey('k1', 'RS256');
    server = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('verifies by kid, caches the key set, and refetches it for an unknown kid (rotation)', async () => {
    const v = verifier({ AUTH_JWKS_URL: url }, { jwksCooldownMs: 0 });
    assert.equal(v.kind, 'jwks');
    assert.equal((await v.verify(await signWith('k1', 'RS256'))).sub, 'carol');
    assert.equal((await v.verify(await signWith('k1', 'RS256'))).sub, 'carol');
    assert.equal(fetches, 1, 'the key set is cached');
    // Rotation: the issuer publishes k2 (ES256) and signs with it.
    await addKey('k2', 'ES256');
    assert.equal((await v.verify(await signWith('k2', 'ES256'))).sub, 'carol');
    assert.equal(fetches, 2, 'an unknown kid refetched the key set once');
    // The old key is retired.
    keys = keys.filter((k) => k.kid !== 'k1');
    await addKey('k3', 'RS256');
    assert.equal((await v.verify(await signWith('k3', 'RS256'))).sub, 'carol');
    await rejected(v, await signWith('k1', 'RS256'), /unknown signing key/);
  });

  it('refuses a kid the key set does not have, and a key set it cannot fetch', async () => {
    const v = verifier({ AUTH_JWKS_URL: url }, { jwksCooldownMs: 0 });
    const stranger = await generateKeyPair('RS256');
    await rejected(
      v,
      await sign({ sub: 'x', exp: now() + 60 }, { alg: 'RS256', key: stranger.privateKey, kid: 'nope' }),
      /unknown signing key/,
    );
    const down = verifier({ AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json' }, { jwksTimeoutMs: 1000 });
    await rejected(down, await signWith('k3', 'RS256'), /key set unavailable/);
  });

  it('refuses an HS256 token even when its kid names a published key', async () => {
    const v = verifier({ AUTH_JWKS_URL: url }, { jwksCooldownMs: 0 });
    const jwk = keys[0] as JWK;
    await rejected(
      v,
      await sign({ sub: 'x', exp: now() + 60 }, { alg: 'HS256', key: new TextEncoder().encode(JSON.stringify(jwk)), kid: jwk.kid }),
      /algorithm not allowed/,
    );
  });
});
