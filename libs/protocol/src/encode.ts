import { BINARY_MESSAGE, readBinaryMessageHead } from './binary-frame.js';
import type { ServerFrame } from './frames.js';

/** Encodes a control frame (everything but `message`, which goes through `encodeMessageFrame`). */
export function encodeServerFrame(frame: ServerFrame): string {
  return JSON.stringify(frame);
}

const MESSAGE_PREFIX = '{"op":"message","topic":"';
const OFFSET_FIELD = '","offset":';
const DATA_FIELD = ',"data":';

/**
 * Builds the `message` frame by splicing the payload's JSON text into a fixed template, so the
 * payload is never parsed or re-serialised. `topic` must be valid (its characters need no JSON
 * escaping); `dataJson` must be one JSON value. This text is also what travels on the bus.
 */
export function encodeMessageFrame(topic: string, offset: number | null, dataJson: string): string {
  return `${MESSAGE_PREFIX}${topic}${OFFSET_FIELD}${offset === null ? 'null' : offset}${DATA_FIELD}${dataJson}}`;
}

export interface MessageHeader {
  topic: string;
  offset: number | null;
}

const PREFIX_BYTES = Buffer.from(MESSAGE_PREFIX);
const QUOTE = 0x22;
const COMMA = 0x2c;

/**
 * Reads topic and offset from a `message` frame built by `encodeMessageFrame`, or from a bytes
 * message frame (binary-frame.ts), without parsing the payload. Returns null when the bytes are
 * neither.
 */
export function readMessageHeader(bytes: Uint8Array): MessageHeader | null {
  if (bytes[0] === BINARY_MESSAGE) {
    const head = readBinaryMessageHead(bytes);
    return head === null ? null : { topic: head.topic, offset: head.offset };
  }
  if (bytes.length < PREFIX_BYTES.length + 20) return null;
  for (let i = 0; i < PREFIX_BYTES.length; i++) if (bytes[i] !== PREFIX_BYTES[i]) return null;
  const topicEnd = bytes.indexOf(QUOTE, PREFIX_BYTES.length);
  if (topicEnd < 0) return null;
  const topic = Buffer.from(bytes.buffer, bytes.byteOffset + PREFIX_BYTES.length, topicEnd - PREFIX_BYTES.length).toString('latin1');
  let i = topicEnd + OFFSET_FIELD.length;
  if (Buffer.from(bytes.buffer, bytes.byteOffset + topicEnd, OFFSET_FIELD.length).toString('latin1') !== OFFSET_FIELD) return null;
  if (bytes[i] === 0x6e /* n */) return bytes[i + 4] === COMMA ? { topic, offset: null } : null;
  let offset = 0;
  const start = i;
  while (i < bytes.length) {
    const c = bytes[i] as number;
    if (c < 0x30 || c > 0x39) break;
    offset = offset * 10 + (c - 0x30);
    i++;
  }
  if (i === start || bytes[i] !== COMMA) return null;
  return { topic, offset };
}
