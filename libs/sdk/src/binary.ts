/**
 * Bytes messages on the wire (docs/protocol.md, "Binary frames"): the server's binary message
 * frame, the client's binary publish frame, and the base64 form of bytes in JSON (SSE,
 * long-poll). Browser-safe: no Node Buffer.
 */

/** Kind byte of a server message frame (`m`) and of a client publish frame (`p`). */
const MESSAGE_KIND = 0x6d;
const PUBLISH_KIND = 0x70;
const TWO_32 = 2 ** 32;

export interface BinaryMessage {
  topic: string;
  /** Null when the server has history off (the frame carries 0). */
  offset: number | null;
  /** The payload, a view into the frame (no copy). */
  data: Uint8Array;
}

/** Reads a server binary message frame; null for anything else (ignored, like unknown text frames). */
export function parseBinaryMessage(bytes: Uint8Array): BinaryMessage | null {
  if (bytes.length < 11 || bytes[0] !== MESSAGE_KIND) return null;
  const length = bytes[1] as number;
  const payloadStart = 10 + length;
  if (length === 0 || bytes.length < payloadStart) return null;
  let topic = '';
  for (let i = 2; i < 2 + length; i++) topic += String.fromCharCode(bytes[i] as number);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offset = view.getUint32(2 + length) * TWO_32 + view.getUint32(6 + length);
  return { topic, offset: offset === 0 ? null : offset, data: bytes.subarray(payloadStart) };
}

/** The binary publish frame of `data` to `topic` with request `id` (1 to 2^32 − 1). */
export function encodeBinaryPublish(topic: string, id: number, data: Uint8Array): Uint8Array {
  const length = topic.length;
  if (length === 0 || length > 255 || !/^[\x21-\x7e]+$/.test(topic)) throw new RangeError('topic must be 1-255 ASCII characters');
  const frame = new Uint8Array(6 + length + data.length);
  frame[0] = PUBLISH_KIND;
  frame[1] = length;
  for (let i = 0; i < length; i++) frame[2 + i] = topic.charCodeAt(i);
  new DataView(frame.buffer).setUint32(2 + length, id % TWO_32);
  frame.set(data, 6 + length);
  return frame;
}

/** The request id of a client binary publish frame (0 when it has none or is not one). */
export function binaryPublishId(frame: Uint8Array): number {
  const length = frame[1] ?? 0;
  if (frame[0] !== PUBLISH_KIND || frame.length < 6 + length) return 0;
  return new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(2 + length);
}

/** Bytes from standard base64 (what the server's `"encoding":"base64"` data is). */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Bytes of a received WebSocket binary message (`ArrayBuffer` in browsers, a Buffer or view with `ws`); null for text. */
export function bytesOf(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}
