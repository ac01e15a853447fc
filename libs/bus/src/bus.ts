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
  /** Resolves once the broker took the message; rejects when it cannot (bus down). */
  publish(topic: string, payload: Uint8Array): Promise<void>;
  /** Resolves once the subscription is active: every later publish reaches the handler. */
  subscribe(pattern: string, handler: BusHandler): Promise<BusSubscription>;
  /** Calls `listener` on every state change; returns a function that removes it. */
  onStateChange(listener: (state: BusState) => void): () => void;
  close(): Promise<void>;
}

/** Thrown (as a rejection) by `publish` and `subscribe` when the bus cannot take the request. */
export class BusUnavailableError extends Error {
  override readonly name = 'BusUnavailableError';
}
