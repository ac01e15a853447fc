import { encodeBinaryMessageFrame, readBinaryMessageHead } from './binary-frame.js';
import { encodeMessageFrame } from './encode.js';

/**
 * A message's data inside the system: JSON text (a `string`, one JSON value exactly as
 * published, never re-serialised) or bytes (a `Uint8Array`, exactly as published). The type is
 * the kind flag: nothing else marks which one a message is, so JSON messages carry nothing extra.
 */
export type MessageData = string | Uint8Array;

/** True when the data is bytes (not JSON text). */
export function isBytes(data: MessageData): data is Uint8Array {
  return typeof data !== 'string';
}

/**
 * The `message` frame of one message, as it goes on the bus and to WebSocket clients: the JSON
 * text frame for JSON data, the binary frame (binary-frame.ts) for bytes.
 */
export function encodeMessage(topic: string, offset: number | null, data: MessageData): string | Buffer {
  return typeof data === 'string' ? encodeMessageFrame(topic, offset, data) : encodeBinaryMessageFrame(topic, offset, data);
}

/** `encodeMessage` as bytes. */
export function encodeMessageBytes(topic: string, offset: number | null, data: MessageData): Buffer {
  return typeof data === 'string' ? Buffer.from(encodeMessageFrame(topic, offset, data)) : encodeBinaryMessageFrame(topic, offset, data);
}

/** The name of the encoding marker of bytes in JSON (SSE, long-poll, history API, batch publish). */
export const BASE64_ENCODING = 'base64';

/**
 * The JSON `message` frame of a bytes message for the text-only transports (SSE, long-poll):
 * `{"op":"message","topic":…,"offset":…,"encoding":"base64","data":"<base64>"}`. The fields
 * before `encoding` are the text frame's, so a transport that drops `{"op":"message",` works on
 * both. Null when `frame` is not a bytes message frame.
 */
export function base64MessageFrame(frame: Uint8Array): string | null {
  const head = readBinaryMessageHead(frame);
  if (head === null) return null;
  const payload = Buffer.from(frame.buffer, frame.byteOffset + head.payloadStart, frame.byteLength - head.payloadStart);
  return `{"op":"message","topic":"${head.topic}","offset":${head.offset ?? 'null'},"encoding":"base64","data":"${payload.toString('base64')}"}`;
}

/**
 * One message as a JSON object's fields after `offset` (history API, CLI): `"data":<json>` for
 * JSON text, `"encoding":"base64","data":"<base64>"` for bytes.
 */
export function dataFields(data: MessageData): string {
  if (typeof data === 'string') return `"data":${data}`;
  return `"encoding":"base64","data":"${Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')}"`;
}

/** Same kind and same content (JSON text compared as text, bytes byte for byte). */
export function sameData(a: MessageData, b: MessageData): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
