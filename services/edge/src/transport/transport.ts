import type { ControlFrame } from '@switchboard/protocol';
import type { OutboundMessage } from './outbound-message.js';

/**
 * What a Session needs from the connection under it. WebSocket, SSE, long-polling and the Pusher
 * endpoint implement it, so auth, limits, subscriptions and recovery are written once. Each
 * transport encodes for its own wire: control frames arrive typed, and a fan-out message
 * carries the encodings every transport shares (see outbound-message.ts).
 */
export interface Transport {
  /**
   * Sends one control frame (`welcome`, `ack`, `error`, `ping`, `reconnect`), encoded here for
   * this transport's wire (WebSocket: one JSON text frame; SSE: an event named after the op;
   * long-polling: part of the one answer). Never re-parses anything.
   */
  send(frame: ControlFrame): void;
  /**
   * Sends a fan-out message. Its encoding for this transport is built once per message and
   * shared with every other subscriber; nothing is allocated per subscriber. The message's
   * `kind` says what it is (today `text`: a JSON `message` frame).
   */
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
