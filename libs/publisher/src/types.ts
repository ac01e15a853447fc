/** Where a message landed: its offset in the topic's history and the history's epoch (both null when history is off). */
export interface PublishResult {
  offset: number | null;
  epoch: string | null;
}

export interface PublishOptions {
  /**
   * Makes the publish safe to repeat: the API stores a key once per topic for
   * `IDEMPOTENCY_TTL_MS` (default 5 min) and answers a repeat with the original result.
   * 1–255 visible ASCII characters. Generated (a random UUID) when not given, so the
   * publisher's own retries never duplicate a message.
   */
  idempotencyKey?: string;
}

export interface BatchMessage {
  topic: string;
  /** Any JSON value, or bytes (a Uint8Array, sent base64 with `"encoding":"base64"`). */
  data: unknown;
  /** The message's idempotency key (see PublishOptions); generated when not given. */
  id?: string;
}

export interface HistoryOptions {
  /** Messages after this offset (default 0: from the oldest kept). */
  since?: number;
  /** At most this many messages, 1–1000 (default 100). */
  limit?: number;
}

export interface HistoryMessage<T = unknown> {
  offset: number;
  /** The JSON value; a bytes message's data is a Uint8Array (decoded from the API's base64). */
  data: T;
}

export interface HistoryPage<T = unknown> {
  epoch: string;
  /** The newest offset of the topic. */
  offset: number;
  /** True when nothing after `since` was lost (expired or evicted). */
  complete: boolean;
  messages: HistoryMessage<T>[];
}

export interface PresenceNode {
  id: string;
  connections: number;
  subscriptions: number;
  lastSeen: string;
}

export interface PresenceSummary {
  connections: number;
  subscriptions: number;
  nodes: PresenceNode[];
}

export interface TopicPresence {
  topic: string;
  subscribers: number;
  users: string[];
}

export interface PublisherOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:8081` (the all-in-one's port also serves it). */
  url: string;
  /** Sent as `Authorization: Bearer <apiKey>` (needed when the server sets API_KEYS). */
  apiKey?: string;
  /** Longest wait for one attempt's answer, in milliseconds (default 10000). */
  timeoutMs?: number;
  /** Retries after the first attempt on network errors, 429 and 503 (default 4; 0 = none). */
  retries?: number;
  /** Ceiling of the first retry delay (full jitter), in milliseconds (default 100). */
  retryBaseMs?: number;
  /** Highest retry delay ceiling, in milliseconds (default 5000). */
  retryMaxMs?: number;
  /** Longest `Retry-After` honoured; a longer one fails the call at once (default 60000). */
  maxRetryAfterMs?: number;
}
