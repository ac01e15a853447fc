import { HistoryUnavailableError } from '@switchboard/history';
import type { MessageData } from '@switchboard/protocol';
import { KIND_BYTES } from './jetstream-names.js';

/*
 * A stored record: ONE JetStream message that holds one or more consecutive messages of a topic.
 *
 * Unframed (no `Sb-Count` header): the payload is one message's data, `Sb-Kind: bytes` marks
 * bytes, `Sb-Offset` is its offset. Framed (`Sb-Count: n`, n ≥ 1): `Sb-Offset` is the first
 * offset, and each message is a flags byte (1: bytes, 2: an envelope follows), then the
 * envelope's length (u8) and bytes when flagged, then the data's length (u32 BE) and the data.
 * The appends of a topic that go out together (requests read in the same turn, a batch) are one
 * framed record: the server checks, stores, replicates, acknowledges and republishes n
 * messages as one, which on a hot topic is what bounds the broker's cost per message. A message
 * with a bus envelope (trace context, publish time: libs/protocol bus-envelope.ts) is framed
 * even alone, so the edges that get it republished get its envelope too.
 */

/** Header of a framed record: how many messages it holds. Absent: the payload is one message's data. */
export const COUNT = 'Sb-Count';

/** Most messages one record holds. */
export const MAX_RECORD_MESSAGES = 128;
/** Most data bytes one record of several messages holds (a NATS message is at most 1 MiB by default). */
export const MAX_RECORD_BYTES = 256 * 1024;

/** Frame flags (the first byte of each framed message). */
const FLAG_BYTES = 1;
const FLAG_ENVELOPE = 2;
/** An envelope's length is one byte. */
const MAX_ENVELOPE = 255;

const EMPTY: Uint8Array = Buffer.alloc(0);

/** One message of a record: its data as stored, its kind, and its bus envelope (may be empty). */
export interface RecordItem {
  payload: Uint8Array;
  bytes: boolean;
  envelope: Uint8Array;
}

/** A message read from a record: its offset, data and bus envelope (empty when none). */
export interface RecordEntry {
  offset: number;
  data: MessageData;
  envelope: Uint8Array;
}

/**
 * A record must be framed: several messages, or one with an envelope. A message larger than
 * MAX_RECORD_BYTES goes unframed and without its envelope (the edges then make no CONSUMER span
 * for it), so the framing can never push it past the server's max_payload.
 */
export function needsFraming(items: readonly RecordItem[]): boolean {
  const only = items[0];
  return items.length > 1 || (only !== undefined && only.envelope.length > 0 && only.payload.length <= MAX_RECORD_BYTES);
}

export function encodeRecord(items: readonly RecordItem[]): Uint8Array {
  let size = 0;
  for (const item of items) size += framedSize(item);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const item of items) {
    const envelope = carriedEnvelope(item);
    out[at++] = (item.bytes ? FLAG_BYTES : 0) | (envelope.length > 0 ? FLAG_ENVELOPE : 0);
    if (envelope.length > 0) {
      out[at++] = envelope.length;
      out.set(envelope, at);
      at += envelope.length;
    }
    out.writeUInt32BE(item.payload.length, at);
    out.set(item.payload, at + 4);
    at += 4 + item.payload.length;
  }
  return out;
}

/** The room `item` takes in a framed record. */
export function framedSize(item: RecordItem): number {
  const envelope = carriedEnvelope(item);
  return 1 + (envelope.length > 0 ? 1 + envelope.length : 0) + 4 + item.payload.length;
}

/** The envelope a frame carries for `item`: its own, or none when it does not fit the u8 length. */
function carriedEnvelope(item: RecordItem): Uint8Array {
  return item.envelope.length > MAX_ENVELOPE ? EMPTY : item.envelope;
}

/**
 * The messages of a record whose first offset is `first`, oldest first. `count` is the
 * `Sb-Count` header ('' when absent: unframed), `kind` the `Sb-Kind` header. Bytes data and
 * envelopes are views of `payload`, text is decoded. A record that does not parse throws
 * HistoryUnavailableError.
 */
export function decodeRecord(payload: Uint8Array, first: number, count: string, kind: string): RecordEntry[] {
  const view = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (count === '') return [{ offset: first, data: kind === KIND_BYTES ? view : view.toString('utf8'), envelope: EMPTY }];
  const n = Number(count);
  if (!Number.isSafeInteger(n) || n < 1) throw malformed(first, `an invalid ${COUNT} "${count}"`);
  const entries: RecordEntry[] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (at >= view.length) throw malformed(first, 'fewer messages than its count');
    const flags = view[at++] as number;
    if (flags > (FLAG_BYTES | FLAG_ENVELOPE)) throw malformed(first, 'unknown frame flags');
    let envelope = EMPTY;
    if ((flags & FLAG_ENVELOPE) !== 0) {
      const length = view[at] ?? 0;
      if (at + 1 + length > view.length) throw malformed(first, 'an envelope past its end');
      envelope = view.subarray(at + 1, at + 1 + length);
      at += 1 + length;
    }
    if (at + 4 > view.length) throw malformed(first, 'a frame past its end');
    const end = at + 4 + view.readUInt32BE(at);
    if (end > view.length) throw malformed(first, 'a frame past its end');
    const data = view.subarray(at + 4, end);
    entries.push({ offset: first + i, data: (flags & FLAG_BYTES) !== 0 ? data : data.toString('utf8'), envelope });
    at = end;
  }
  if (at !== view.length) throw malformed(first, 'bytes past its last message');
  return entries;
}

function malformed(first: number, what: string): HistoryUnavailableError {
  return new HistoryUnavailableError(`jetstream: the record at offset ${first} has ${what}`);
}
