/**
 * Pusher Channels protocol 7 error codes: sent in `pusher:error` and, for those that end a
 * connection, as the WebSocket close code. 4000–4099: the client must not reconnect as is;
 * 4100–4199: reconnect after a back-off; 4200–4299: reconnect at once; 4300–4399: other errors.
 */
export const PusherError = {
  SslOnly: 4000,
  AppUnknown: 4001,
  AppDisabled: 4003,
  AppOverQuota: 4004,
  PathNotFound: 4005,
  InvalidVersion: 4006,
  UnsupportedVersion: 4007,
  NoVersion: 4008,
  Unauthorized: 4009,
  OverCapacity: 4100,
  Reconnect: 4200,
  PongNotReceived: 4201,
  Inactivity: 4202,
  ClientEventRateLimited: 4301,
} as const;

/** The `pusher:error` frame text. */
export function errorFrame(code: number | null, message: string): string {
  return JSON.stringify({ event: 'pusher:error', data: { code, message } });
}
