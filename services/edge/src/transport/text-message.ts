import { type BusEnvelope, type MessageHeader, readMessageHeader } from '@switchboard/protocol';
import type { PusherWire } from '../pusher/pusher-wire.js';
import { frameText } from './websocket/ws-frame.js';

/**
 * A `message` frame in JSON text (the `text` kind of OutboundMessage) on its way to local
 * subscribers: a bus message, a replayed history entry, or a message the edge made itself. Each
 * encoding (WebSocket frame, Pusher frame, SSE event) is built at most once, on first use, and
 * the same bytes go to every subscriber.
 */
export class TextMessage {
  readonly kind = 'text' as const;
  private frame: Buffer | undefined;
  private header: MessageHeader | null | undefined;
  /** The message as the Pusher endpoint sends it, built once on first use (see pusher/pusher-wire.ts). */
  pusher: PusherWire | null | undefined;

  /**
   * `payload` is the encoded `message` frame; `envelope` what the bus message carried before it
   * (publish time, trace context), null for a plain frame.
   */
  constructor(
    readonly payload: Uint8Array,
    readonly envelope: BusEnvelope | null = null,
  ) {}

  /** The WebSocket text frame carrying the payload. */
  get wsFrame(): Buffer {
    if (this.frame === undefined) this.frame = frameText(this.payload);
    return this.frame;
  }

  /** The message's offset (null when history is off or the payload is not a message frame). */
  get offset(): number | null {
    return this.readHeader()?.offset ?? null;
  }

  /** The message's concrete topic (null when the payload is not a message frame). */
  get topic(): string | null {
    return this.readHeader()?.topic ?? null;
  }

  private readHeader(): MessageHeader | null {
    if (this.header === undefined) this.header = readMessageHeader(this.payload);
    return this.header;
  }
}
