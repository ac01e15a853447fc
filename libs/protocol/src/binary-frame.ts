import { MAX_TOPIC_BYTES } from './topic.js';

/**
 * Binary WebSocket frames: how a message whose data is bytes travels, without base64.
 *
 * Both layouts start with a kind byte that names the layout (a layout never changes; a new one
 * gets a new kind byte), then the topic with a one-byte length, then one fixed-size field, then
 * the payload, which runs to the end of the frame. Integers are big-endian.
 *
 * Server → client, a message (`0x6d`, ASCII `m`):
 *
 * | byte      | size | field                                                      |
 * | --------- | ---- | ---------------------------------------------------------- |
 * | 0         | 1    | kind `0x6d`                                                |
 * | 1         | 1    | topic length L (1–255)                                     |
 * | 2         | L    | topic (ASCII)                                              |
 * | 2 + L     | 8    | offset, u64; 0 = none (history off: offsets start at 1)     |
 * | 10 + L    | rest | the payload, byte for byte as published                    |
 *
 * Client → server, a publish (`0x70`, ASCII `p`):
 *
 * | byte      | size | field                                                      |
 * | --------- | ---- | ---------------------------------------------------------- |
 * | 0         | 1    | kind `0x70`                                                |
 * | 1         | 1    | topic length L (1–255)                                     |
 * | 2         | L    | topic (ASCII)                                              |
 * | 2 + L     | 4    | request id, u32; 0 = none (the `ack` then has no `id`)     |
 * | 6 + L     | rest | the payload                                                |
 *
 * The server frame is also what a bytes message is on the bus (after its envelope, see
 * bus-envelope.ts): its kind byte is neither `{` nor an envelope tag, so the edge tells text
 * from bytes by one byte and frames the bus bytes for its clients without copying the payload
 * twice.
 */
export const BINARY_MESSAGE = 0x6d;
export const BINARY_PUBLISH = 0x70;
/** Bytes of a server message frame before its payload, besides the topic. */
export const BINARY_MESSAGE_OVERHEAD = 10;
/** Bytes of a client publish frame before its payload, besides the topic. */
export const BINARY_PUBLISH_OVERHEAD = 6;

const TWO_32 = 2 ** 32;

/** The server frame of a bytes message. `topic` must be valid (ASCII, 1–255 bytes). */
export function encodeBinaryMessageFrame(topic: string, offset: number | null, payload: Uint8Array): Buffer {
  const length = topic.length;
  const frame = Buffer.allocUnsafe(BINARY_MESSAGE_OVERHEAD + length + payload.length);
  writeBinaryMessageHead(frame, topic, offset);
  frame.set(payload, BINARY_MESSAGE_OVERHEAD + length);
  return frame;
}

/** Writes kind, topic and offset at the start of `frame`; returns where the payload starts. */
export function writeBinaryMessageHead(frame: Buffer, topic: string, offset: number | null): number {
  const length = topic.length;
  frame[0] = BINARY_MESSAGE;
  frame[1] = length;
  frame.write(topic, 2, length, 'latin1');
  const at = 2 + length;
  const value = offset ?? 0;
  frame.writeUInt32BE(Math.floor(value / TWO_32), at);
  frame.writeUInt32BE(value >>> 0, at + 4);
  return at + 8;
}

/** The head of a bytes message frame: its topic, offset, and where its payload starts. */
export interface BinaryMessageHead {
  topic: string;
  offset: number | null;
  payloadStart: number;
}

/** Reads the head of a server bytes message frame; null when `bytes` is not one. */
export function readBinaryMessageHead(bytes: Uint8Array): BinaryMessageHead | null {
  if (bytes[0] !== BINARY_MESSAGE || bytes.length < BINARY_MESSAGE_OVERHEAD + 1) return null;
  const length = bytes[1] as number;
  const payloadStart = BINARY_MESSAGE_OVERHEAD + length;
  if (length === 0 || bytes.length < payloadStart) return null;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = 2 + length;
  const offset = view.readUInt32BE(at) * TWO_32 + view.readUInt32BE(at + 4);
  return { topic: view.toString('latin1', 2, at), offset: offset === 0 ? null : offset, payloadStart };
}

/** True when `bytes` (a bus message without envelope, or a WebSocket payload) is a bytes message frame. */
export function isBinaryMessage(bytes: Uint8Array): boolean {
  return bytes[0] === BINARY_MESSAGE;
}

/** A client's binary publish frame, as the SDK builds it (ids above 2^32 − 1 are refused). */
export function encodeBinaryPublishFrame(topic: string, id: number | undefined, payload: Uint8Array): Buffer {
  if (topic.length === 0 || topic.length > MAX_TOPIC_BYTES) throw new RangeError('topic must be 1-255 bytes');
  const value = id ?? 0;
  if (!Number.isInteger(value) || value < 0 || value >= TWO_32) throw new RangeError('id must be an integer from 0 to 2^32 - 1');
  const frame = Buffer.allocUnsafe(BINARY_PUBLISH_OVERHEAD + topic.length + payload.length);
  frame[0] = BINARY_PUBLISH;
  frame[1] = topic.length;
  frame.write(topic, 2, topic.length, 'latin1');
  frame.writeUInt32BE(value, 2 + topic.length);
  frame.set(payload, BINARY_PUBLISH_OVERHEAD + topic.length);
  return frame;
}

/** A binary publish frame as read: the topic is not validated yet; `payload` is a view. */
export interface BinaryPublish {
  topic: string;
  id: number | undefined;
  payload: Uint8Array;
}

/** Reads a client binary publish frame; a string says why it is malformed. */
export function readBinaryPublishFrame(bytes: Uint8Array): BinaryPublish | string {
  if (bytes.length === 0) return 'empty binary frame';
  if (bytes[0] !== BINARY_PUBLISH) return `unknown binary frame kind 0x${(bytes[0] as number).toString(16).padStart(2, '0')}`;
  if (bytes.length < BINARY_PUBLISH_OVERHEAD) return 'binary frame too short';
  const length = bytes[1] as number;
  const payloadStart = BINARY_PUBLISH_OVERHEAD + length;
  if (length === 0) return 'binary frame has an empty topic';
  if (bytes.length < payloadStart) return 'binary frame shorter than its header';
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id = view.readUInt32BE(2 + length);
  return { topic: view.toString('latin1', 2, 2 + length), id: id === 0 ? undefined : id, payload: bytes.subarray(payloadStart) };
}
