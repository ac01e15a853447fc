/**
 * The Bus carries messages between nodes. Topic names are the contract's topics; payloads are
 * opaque bytes (the edge puts the encoded `message` frame on the bus). A subscription may be a
 * wildcard pattern (`*`, `>`); its handler is told the concrete topic of each message.
 */
export type BusHandler = (topic: string, payload: Uint8Array) => void;

/** `up`: publishes and subscriptions work; `down`: the broker is unreachable (reconnecting). */
export type BusState = 'connecting' | 'up' | 'down' | 'closed';

export interface BusSubscription {
  /** Stops delivery to this handler. Idempotent. */
  unsubscribe(): Promise<void>;
}

export interface Bus {
  /** Short name of the backend, for logs and metrics (`memory`, `nats`, `redis`, …). */
  readonly kind: string;
  readonly state: BusState;
  /**
   * Exceptions thrown by this bus's handlers so far. A throwing handler never stops delivery:
   * the exception is counted, reported (the bus's `onHandlerError`, by default stderr), and the
   * other handlers and later messages are delivered as usual.
   */
  readonly handlerErrors: number;
  /** Resolves once the broker took the message; rejects when it cannot (bus down). */
  publish(topic: string, payload: Uint8Array): Promise<void>;
  /** Resolves once the subscription is active: every later publish reaches the handler. */
  subscribe(pattern: string, handler: BusHandler): Promise<BusSubscription>;
  /**
   * Calls `listener` on every state change (`up` -> `down` when the broker becomes unreachable,
   * `down` -> `up` once it is back and every subscription receives again, `closed` once);
   * returns a function that removes it.
   */
  onStateChange(listener: (state: BusState) => void): () => void;
  close(): Promise<void>;
}

/** Thrown (as a rejection) by `publish` and `subscribe` when the bus cannot take the request. */
export class BusUnavailableError extends Error {
  override readonly name = 'BusUnavailableError';
}

/**
 * The bus cannot subscribe to this pattern (Redis Cluster's sharded pub/sub has no pattern
 * subscriptions, so `redis-cluster://` refuses wildcards; the edge answers with an error).
 * A permanent refusal, unlike `BusUnavailableError`.
 */
export class UnsupportedPatternError extends Error {
  override readonly name = 'UnsupportedPatternError';
}

/** Options every Bus implementation takes (openBackend passes them through). */
export interface BusOptions {
  /** Prefix of every subject or channel (BUS_PREFIX), so several deployments can share a broker. */
  prefix?: string;
  /** Told about every exception a handler throws (default: one line on stderr). */
  onHandlerError?: (error: unknown, topic: string) => void;
}
