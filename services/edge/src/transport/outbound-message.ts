import { type BusEnvelope, envelopeLength, type MessageHeader, readEnvelope, readMessageHeader } from '@switchboard/protocol';
import type { PusherWire } from '../pusher/pusher-wire.js';
import { frameText } from './websocket/ws-frame.js';

/**
 * One bus message on its way to local subscribers. Each encoding is built at most once, on
 * first use, and the same bytes go to every subscriber.
 */
export class OutboundMessage {
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

  /** A message as it came off the bus: the envelope, when there is one, is read and cut off (a view, no copy). */
  static fromBus(bytes: Uint8Array): OutboundMessage {
    const length = envelopeLength(bytes);
    return length === 0 ? new OutboundMessage(bytes) : new OutboundMessage(bytes.subarray(length), readEnvelope(bytes));
  }

  /** The WebSocket frame carrying the payload. */
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
