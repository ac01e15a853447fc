import type { TransportName } from './transports.js';
import type { WebSocketConstructor } from './websocket.js';

export interface ClientOptions {
  /** `ws(s)://host/ws`; in a browser also `/ws` or an http(s) URL. */
  url: string;
  /** A fixed token, sent in a `connect` frame after each open. */
  token?: string;
  /** Called before each (re)connect and before each refresh; takes precedence over `token`. */
  getToken?: () => string | Promise<string>;
  /** WebSocket implementation; defaults to the global one (pass `ws`'s class in Node). */
  WebSocket?: WebSocketConstructor;
  /**
   * Transports to try, in order (default `['websocket']`): an attempt that cannot open moves to
   * the next, e.g. `['websocket', 'poll']` falls back to long-polling where WebSocket is refused.
   * Subscriptions, recovery and events work the same on each; publishing needs WebSocket.
   */
  transports?: TransportName[];
  /** While on a fallback, try WebSocket again this often (default 30 000 ms; 0 = never). */
  transportProbeMs?: number;
  /** Backoff: first ceiling (default 500 ms). */
  backoffBaseMs?: number;
  /** Backoff: highest ceiling (default 20 000 ms). */
  backoffMaxMs?: number;
  /** Random source in [0, 1) for the backoff jitter (default Math.random). */
  random?: () => number;
  /** Give up on an attempt when no `welcome` arrives within this time (default 15 000 ms; 0 = never). */
  connectTimeoutMs?: number;
  /** Refresh a JWT this long before `exp`, at most (default 30 000 ms; 10 % of the lifetime if smaller). */
  refreshMarginMs?: number;
  /**
   * Called with exceptions thrown by your listeners and message handlers (the SDK carries on).
   * Default: rethrown asynchronously, like an exception in a DOM event handler.
   */
  onCallbackError?: (error: unknown) => void;
}

export type ClientState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface PublishResult {
  /** null when the server keeps no history. */
  offset: number | null;
  epoch: string | null;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
/** Close codes that mean "don't retry" (4001 only when there is no getToken: then a new token is fetched). */
export const FATAL_CLOSE_CODES = new Set([1008, 4001, 4003, 4400]);
