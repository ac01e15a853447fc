import { SignJWT } from 'jose';
import { printLine, toolCommand, UsageError } from './tool.js';

/** `90`, `90s`, `15m`, `2h`, `7d` → seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text);
  if (match === null) throw new UsageError(`--ttl must be a duration like 3600, 90s, 15m, 2h or 7d, got "${text}"`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  if (seconds < 1) throw new UsageError('--ttl must be at least 1 second');
  return seconds;
}

export const tokenTool = toolCommand({
  name: 'token',
  summary: 'mint a development JWT (HS256) for AUTH_JWT_SECRET',
  help: `usage: switchboard token --sub USER [--subscribe PATTERN]… [--publish PATTERN]… [options]

Prints a JWT signed with HS256, for servers started with AUTH_JWT_SECRET. For development and
tests: in production your own backend mints tokens. The secret is never printed.

options:
  --secret SECRET      the server's AUTH_JWT_SECRET (default: env AUTH_JWT_SECRET); 32+ characters
  --sub USER           the user id (required)
  --subscribe PATTERN  a topic pattern the token may subscribe to (repeat for more; {sub} = the user)
  --publish PATTERN    a topic pattern the token may publish to (repeat for more)
  --ttl DURATION       lifetime: seconds or 90s, 15m, 2h, 7d (default 1h)
  --iss ISSUER         iss claim (when the server sets AUTH_ISSUER)
  --aud AUDIENCE       aud claim (when the server sets AUTH_AUDIENCE)

exit: 0 printed, 2 bad usage
`,
  options: {
    secret: { type: 'string' },
    sub: { type: 'string' },
    subscribe: { type: 'string', multiple: true },
    publish: { type: 'string', multiple: true },
    ttl: { type: 'string' },
    iss: { type: 'string' },
    aud: { type: 'string' },
  },
  async run(values, positionals) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const secret = values.secret ?? process.env.AUTH_JWT_SECRET;
    if (secret === undefined || secret === '') throw new UsageError('--secret (or env AUTH_JWT_SECRET) is required');
    if (secret.length < 32) throw new UsageError('the secret must have at least 32 characters (as AUTH_JWT_SECRET)');
    if (values.sub === undefined || values.sub === '') throw new UsageError('--sub is required');
    const ttl = parseDuration(values.ttl ?? '1h');
    const now = Math.floor(Date.now() / 1000);
    let jwt = new SignJWT({ subscribe: values.subscribe ?? [], publish: values.publish ?? [] })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(values.sub)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl);
    if (values.iss !== undefined) jwt = jwt.setIssuer(values.iss);
    if (values.aud !== undefined) jwt = jwt.setAudience(values.aud);
    await printLine(await jwt.sign(new TextEncoder().encode(secret)));
    return 0;
  },
});
