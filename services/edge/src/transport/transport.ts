import type { OutboundMessage } from './outbound-message.js';

/**
 * What a Session needs from the connection under it. The WebSocket transport implements it;
 * an SSE transport can too, so auth, limits, subscriptions and recovery are written once.
 */
export interface Transport {
  /** Sends one control frame (`welcome`, `ack`, `error`, `ping`, `reconnect`). */
  sendText(text: string): void;
  /** Sends a fan-out message; the bytes are shared with every other subscriber. */
  sendMessage(message: OutboundMessage): void;
  /** Bytes accepted for sending that the client has not taken yet. */
  readonly bufferedBytes: number;
  /**
   * Resolves when the client took some of what is buffered (the socket drained), when the
   * connection closed, or after `maxWaitMs`, whichever is first. A replay waits on it while the
   * buffer is over its low-water mark (backpressure).
   */
  drained(maxWaitMs: number): Promise<void>;
  /** Closes with a contract close code; idempotent. */
  close(code: number, reason: string): void;
}
