import { type MessageHeader, readMessageHeader } from '@switchboard/protocol';
import type { PusherWire } from './pusher/pusher-wire.js';
import { frameText } from './ws-frame.js';

/**
 * One bus message on its way to local subscribers. Each encoding is built at most once, on
 * first use, and the same bytes go to every subscriber.
 */
export class OutboundMessage {
  private frame: Buffer | undefined;
  private header: MessageHeader | null | undefined;
  /** The message as the Pusher endpoint sends it, built once on first use (see pusher/pusher-wire.ts). */
  pusher: PusherWire | null | undefined;

  /** `payload` is the encoded `message` frame as it came off the bus. */
  constructor(readonly payload: Uint8Array) {}

  /** The WebSocket frame carrying the payload. */
  get wsFrame(): Buffer {
    if (this.frame === undefined) this.frame = frameText(this.payload);
    return this.frame;
  }

  /** The message's topic (null when the payload is not a message frame). */
  get topic(): string | null {
    if (this.header === undefined) this.header = readMessageHeader(this.payload);
    return this.header?.topic ?? null;
  }

  /** The message's offset (null when history is off or the payload is not a message frame). */
  get offset(): number | null {
    if (this.header === undefined) this.header = readMessageHeader(this.payload);
    return this.header?.offset ?? null;
  }
}
