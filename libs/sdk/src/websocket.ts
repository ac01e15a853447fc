/**
 * The part of the standard WebSocket API the SDK uses, as structural types: the browser's
 * global WebSocket and the `ws` package's class both fit, and no DOM types are needed.
 */

/** Handler property type; declared through a method so that handlers with narrower event types fit. */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

export interface WebSocketMessageEventLike {
  readonly data: unknown;
}

export interface WebSocketCloseEventLike {
  readonly code: number;
  readonly reason: string;
}

export interface WebSocketLike {
  readonly readyState: number;
  onopen: Handler<unknown> | null;
  onmessage: Handler<WebSocketMessageEventLike> | null;
  onclose: Handler<WebSocketCloseEventLike> | null;
  onerror: Handler<unknown> | null;
  /** Set to `arraybuffer` where supported, so binary messages arrive as bytes (not Blobs). */
  binaryType?: string;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  /** Non-standard (`ws`): drops the connection without a closing handshake. */
  terminate?(): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export const READY_STATE_OPEN = 1;

/** The given implementation, else the global one; throws when there is neither. */
export function resolveWebSocket(given: WebSocketConstructor | undefined): WebSocketConstructor {
  const impl = given ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof impl !== 'function') {
    throw new TypeError('no WebSocket implementation: pass one, e.g. createClient({ url, WebSocket }) with WebSocket from "ws"');
  }
  return impl;
}

interface LocationLike {
  protocol: string;
  host: string;
}

/** Accepts ws(s):// URLs, http(s):// URLs and, in a browser, paths such as `/ws`. */
export function resolveUrl(url: string): string {
  if (/^https?:\/\//i.test(url)) return url.replace(/^http/i, 'ws');
  if (url.startsWith('/')) {
    const location = (globalThis as { location?: LocationLike }).location;
    if (location !== undefined) return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${url}`;
  }
  return url;
}
