/** Settings whose absence leaves a service open; each is logged as a warning at start. */
const OPEN_WHEN_UNSET: ReadonlyArray<readonly [string, string]> = [
  [
    'AUTH_JWT_SECRET',
    'no client authentication (AUTH_JWT_SECRET, AUTH_JWKS_URL, AUTH_PUBLIC_KEY_FILE unset): every client may subscribe and publish',
  ],
  ['ALLOWED_ORIGINS', 'WebSocket connections are accepted from any origin'],
  ['API_KEYS', 'the publish API is open to anyone who can reach it'],
];

/**
 * The warnings a service should log for the given settings (`API_KEYS`, `AUTH_JWT_SECRET`,
 * `ALLOWED_ORIGINS`) that are unset in `env`.
 */
export function openSettingWarnings(names: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const authSet = Boolean(env.AUTH_JWT_SECRET || env.AUTH_JWKS_URL || env.AUTH_PUBLIC_KEY_FILE);
  return OPEN_WHEN_UNSET.filter(([name]) => names.includes(name))
    .filter(([name]) => (name === 'AUTH_JWT_SECRET' ? !authSet : !env[name]))
    .map(([name, consequence]) => `${name} is not set: ${consequence}`);
}
