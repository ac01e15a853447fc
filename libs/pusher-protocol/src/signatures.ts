import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC-SHA256 of `text` with `secret`, hex: every Pusher signature is one. */
export function hmacHex(secret: string, text: string | Uint8Array): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

export function md5Hex(body: Uint8Array | string): string {
  return createHash('md5').update(body).digest('hex');
}

/** Compares two hex signatures in constant time (for equal lengths). */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The `auth` a client must present to subscribe to a private or presence channel:
 * `<key>:<HMAC-SHA256(secret, "<socket_id>:<channel>[:<channel_data>]")>`, what the app's auth
 * endpoint computes (pusher library `authorizeChannel`).
 */
export function channelAuth(key: string, secret: string, socketId: string, channel: string, channelData?: string): string {
  const text = channelData === undefined ? `${socketId}:${channel}` : `${socketId}:${channel}:${channelData}`;
  return `${key}:${hmacHex(secret, text)}`;
}

/** The `auth` of `pusher:signin`: `<key>:<HMAC(secret, "<socket_id>::user::<user_data>")>`. */
export function userAuth(key: string, secret: string, socketId: string, userData: string): string {
  return `${key}:${hmacHex(secret, `${socketId}::user::${userData}`)}`;
}

/** Checks a presented `auth` against the expected one (constant time). */
export function authMatches(presented: unknown, expected: string): boolean {
  return typeof presented === 'string' && sameSignature(presented, expected);
}

/**
 * The string a Pusher HTTP API request signs: `METHOD\nPATH\nk=v&…`, with every query parameter
 * but `auth_signature`, keys lower-cased and sorted, values as sent (not re-encoded).
 */
export function requestSigningString(method: string, path: string, params: ReadonlyMap<string, string>): string {
  const pairs = [...params]
    .filter(([k]) => k !== 'auth_signature')
    .map(([k, v]): [string, string] => [k.toLowerCase(), v])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  return `${method.toUpperCase()}\n${path}\n${pairs.join('&')}`;
}

/** Signs a request (what the `pusher` library does; used by tests and the load test). */
export function signRequest(secret: string, method: string, path: string, params: ReadonlyMap<string, string>): string {
  return hmacHex(secret, requestSigningString(method, path, params));
}
