/** Error codes carried by `{"op":"error"}` frames and the HTTP API's error bodies. */
export const ErrorCode = {
  BadRequest: 'bad_request',
  BadTopic: 'bad_topic',
  Unauthorized: 'unauthorized',
  Forbidden: 'forbidden',
  RateLimited: 'rate_limited',
  TooLarge: 'too_large',
  TooManySubscriptions: 'too_many_subscriptions',
  Unavailable: 'unavailable',
  /** HTTP 409: an idempotency key reused on its topic, within its TTL, with another body. */
  IdempotencyConflict: 'idempotency_conflict',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** WebSocket close codes of the contract. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  OriginRefused: 1008,
  TooLarge: 1009,
  Unauthorized: 4001,
  Forbidden: 4003,
  /** Heartbeat timeout or slow consumer (send buffer over its limit). */
  Timeout: 4008,
  RateLimited: 4029,
  ProtocolError: 4400,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
