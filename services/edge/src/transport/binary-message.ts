import { type BinaryMessageHead, type BusEnvelope, base64MessageFrame, readBinaryMessageHead } from '@switchboard/protocol';
import { frameBinary } from './websocket/ws-frame.js';

/**
 * A message whose data is bytes (the `binary` kind of OutboundMessage) on its way to local
 * subscribers. `payload` is its binary message frame (libs/protocol binary-frame.ts: kind, topic,
 * offset, then the bytes), exactly the bus message after its envelope, so WebSocket clients get
 * it as one binary frame with no base64 and no copy of the payload beyond the framing. The text
 * transports (SSE, long-polling) get the base64 form with `"encoding":"base64"` (`json`). Each
 * encoding is built at most once, on first use, and shared by every subscriber.
 */
export class BinaryMessage {
  readonly kind = 'binary' as const;
  private frame: Buffer | undefined;
  private text: Buffer | undefined;
  private head: BinaryMessageHead | null | undefined;

  /** `payload` is the binary message frame; `envelope` what the bus message carried before it, null for none. */
  constructor(
    readonly payload: Uint8Array,
    readonly envelope: BusEnvelope | null = null,
  ) {}

  /** The WebSocket binary frame carrying the payload. */
  get wsFrame(): Buffer {
    if (this.frame === undefined) this.frame = frameBinary(this.payload);
    return this.frame;
  }

  /**
   * The message as JSON text for SSE and long-polling:
   * `{"op":"message","topic":…,"offset":…,"encoding":"base64","data":"<base64>"}`.
   */
  get json(): Buffer {
    if (this.text === undefined) this.text = Buffer.from(base64MessageFrame(this.payload) ?? '{"op":"message"}');
    return this.text;
  }

  /** The message's offset (null when history is off or the payload is malformed). */
  get offset(): number | null {
    return this.readHead()?.offset ?? null;
  }

  /** The message's concrete topic (null when the payload is malformed). */
  get topic(): string | null {
    return this.readHead()?.topic ?? null;
  }

  private readHead(): BinaryMessageHead | null {
    if (this.head === undefined) this.head = readBinaryMessageHead(this.payload);
    return this.head;
  }
}
