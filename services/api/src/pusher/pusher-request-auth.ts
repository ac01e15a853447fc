import { md5Hex, type PusherApp, sameSignature, signRequest } from '@switchboard/pusher-protocol';

/** How far `auth_timestamp` may be from the server's clock (Pusher's window). */
export const MAX_CLOCK_SKEW_S = 600;

export interface Refusal {
  status: number;
  message: string;
}

/**
 * Checks Pusher's request signing on one HTTP API request: `auth_key` is the app's key,
 * `auth_version` is 1.0, `auth_timestamp` is within 600 s, `body_md5` is the body's MD5 (when
 * there is a body), and `auth_signature` is HMAC-SHA256(secret, "METHOD\nPATH\nsorted query").
 * Null when the request is authentic.
 */
export function checkRequestSignature(
  app: PusherApp,
  method: string,
  url: URL,
  body: Uint8Array,
  nowSeconds = Date.now() / 1000,
): Refusal | null {
  const params = new Map<string, string>();
  for (const [k, v] of url.searchParams) {
    if (params.has(k)) return { status: 400, message: `parameter ${k} given twice` };
    params.set(k, v);
  }
  const get = (name: string) => params.get(name);
  if (get('auth_key') !== app.key) return { status: 401, message: 'Unknown auth_key' };
  if (get('auth_version') !== '1.0') return { status: 401, message: 'auth_version must be 1.0' };
  const timestamp = Number(get('auth_timestamp'));
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > MAX_CLOCK_SKEW_S)
    return {
      status: 401,
      message: `Timestamp expired: given ${get('auth_timestamp')}, must be within ${MAX_CLOCK_SKEW_S}s of server time`,
    };
  if (body.length > 0 && get('body_md5') !== md5Hex(body)) return { status: 401, message: 'Invalid body_md5' };
  const signature = get('auth_signature');
  if (signature === undefined || !sameSignature(signature, signRequest(app.secret, method, url.pathname, params)))
    return { status: 401, message: 'Invalid signature: you should have sent HmacSHA256Hex(secret, "METHOD\\nPATH\\nsorted query")' };
  return null;
}
