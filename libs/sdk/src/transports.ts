import { PollSocket } from './poll-socket.js';
import { SseSocket } from './sse-socket.js';
import type { WebSocketConstructor } from './websocket.js';

/** The ways to reach an edge: a WebSocket (`/ws`), Server-Sent Events (`/sse`), long-polling (`/poll`). */
export type TransportName = 'websocket' | 'sse' | 'poll';

/** While on a fallback, how often WebSocket is tried again (default). */
export const DEFAULT_PROBE_MS = 30_000;

/**
 * Chooses the transport of each connection attempt from the client's `transports` list: an
 * attempt that ends before `welcome` moves to the next one (in a circle, under the client's
 * backoff), so a network that refuses WebSocket upgrades ends up on a fallback. While on a
 * fallback, a WebSocket is opened every `probeMs`; once one opens, `onBack` is called (the
 * client reconnects over WebSocket and recovers from history as after any reconnect).
 */
export class TransportChooser {
  private index = 0;
  private probeTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly names: readonly TransportName[],
    private readonly WebSocketImpl: WebSocketConstructor | null,
  ) {
    if (names.length === 0) throw new TypeError('transports: name at least one');
  }

  get current(): TransportName {
    return this.names[this.index] as TransportName;
  }

  /** The constructor of the socket for the next attempt. */
  socket(): WebSocketConstructor {
    const impl = this.current === 'poll' ? PollSocket : this.current === 'sse' ? SseSocket : this.WebSocketImpl;
    if (impl === null) throw new TypeError('no WebSocket implementation');
    return impl;
  }

  /** An attempt ended before `welcome`. */
  failed(): void {
    this.index = (this.index + 1) % this.names.length;
  }

  /** Connected: on a fallback (and with WebSocket listed first), probe WebSocket every `probeMs`. */
  connected(url: string, probeMs: number, onBack: () => void): void {
    this.stopProbe();
    const ws = this.WebSocketImpl;
    if (this.index === 0 || this.names[0] !== 'websocket' || ws === null || probeMs <= 0) return;
    this.probeTimer = setInterval(() => {
      const probe = new ws(url);
      probe.onerror = () => undefined;
      probe.onopen = () => {
        probe.close(1000, 'probe');
        if (this.probeTimer === null) return;
        this.stopProbe();
        this.index = 0;
        onBack();
      };
    }, probeMs);
  }

  stopProbe(): void {
    if (this.probeTimer !== null) clearInterval(this.probeTimer);
    this.probeTimer = null;
  }
}
