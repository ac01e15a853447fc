import { type HistoryEntry, HistoryUnavailableError } from '@switchboard/history';
import { KIND_BYTES } from './jetstream-names.js';

/** Header of a record that holds several messages: how many (absent: one). */
export const COUNT = 'Sb-Count';

/** Most messages one record holds. */
export const MAX_RECORD_MESSAGES = 128;
/** Most data bytes one record of several messages holds (a NATS message is at most 1 MiB by default). */
export const MAX_RECORD_BYTES = 256 * 1024;

/** Per message in a record of several: its kind (1 byte) and its length (u32, big-endian). */
const FRAME_HEADER = 5;
const KIND_TEXT_CODE = 0;
const KIND_BYTES_CODE = 1;

/** One message of a record: its data as stored, and whether it is bytes (else JSON text). */
export interface RecordItem {
  payload: Uint8Array;
  bytes: boolean;
}

/**
 * A stored record: ONE JetStream message that holds one or more consecutive messages of a topic.
 *
 * A record of one message is the message itself: the payload is its data, `Sb-Kind: bytes` marks
 * bytes, `Sb-Offset` is its offset. A record of n > 1 messages (appends of one topic that went
 * out together: requests read in the same turn, a batch) carries `Sb-Offset` = its first offset
 * and `Sb-Count` = n, and its payload frames each message as kind (0 JSON text, 1 bytes),
 * length (u32 BE) and data. The server then checks, stores, replicates and acknowledges n
 * messages as one: on a hot topic that is what bounds the broker's cost per message.
 */
export function encodeRecord(items: readonly RecordItem[]): Uint8Array {
  let size = 0;
  for (const item of items) size += FRAME_HEADER + item.payload.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const item of items) {
    out[at] = item.bytes ? KIND_BYTES_CODE : KIND_TEXT_CODE;
    out.writeUInt32BE(item.payload.length, at + 1);
    out.set(item.payload, at + FRAME_HEADER);
    at += FRAME_HEADER + item.payload.length;
  }
  return out;
}

/** The room `item` takes in a record of several messages. */
export function framedSize(item: RecordItem): number {
  return FRAME_HEADER + item.payload.length;
}

/** `Sb-Count` as read (absent or empty: 1); NaN when it is not a count. */
export function countOf(header: string): number {
  if (header === '') return 1;
  const count = Number(header);
  return Number.isSafeInteger(count) && count >= 1 ? count : Number.NaN;
}

/**
 * The messages of a record whose first offset is `first`, oldest first. Bytes data are views of
 * `payload`, text is decoded. A record that does not parse throws HistoryUnavailableError.
 */
export function decodeRecord(payload: Uint8Array, first: number, count: number, kind: string): HistoryEntry[] {
  const view = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (count === 1) return [{ offset: first, data: kind === KIND_BYTES ? view : view.toString('utf8') }];
  if (!(count > 1)) throw malformed(first, 'an invalid count');
  const entries: HistoryEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + FRAME_HEADER > view.length) throw malformed(first, 'fewer messages than its count');
    const code = view[at];
    const end = at + FRAME_HEADER + view.readUInt32BE(at + 1);
    if (end > view.length || (code !== KIND_TEXT_CODE && code !== KIND_BYTES_CODE)) throw malformed(first, 'a bad frame');
    const data = view.subarray(at + FRAME_HEADER, end);
    entries.push({ offset: first + i, data: code === KIND_BYTES_CODE ? data : data.toString('utf8') });
    at = end;
  }
  if (at !== view.length) throw malformed(first, 'bytes past its last message');
  return entries;
}

function malformed(first: number, what: string): HistoryUnavailableError {
  return new HistoryUnavailableError(`jetstream: the record at offset ${first} has ${what}`);
}
