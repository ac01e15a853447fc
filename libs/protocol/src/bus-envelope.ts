/**
 * The bus message: an optional binary envelope followed by the encoded `message` frame (JSON
 * text, or the binary frame of a bytes message).
 *
 * A plain bus message is exactly the frame (it starts with `{`), so a message that carries no
 * trace context and no publish time costs zero extra bytes. Otherwise one tag byte says what
 * precedes the frame:
 *
 * | tag  | bytes after the tag                                                      | total |
 * | ---- | ------------------------------------------------------------------------ | ----- |
 * | 0x01 | publish time: float64 LE, ms since the epoch                             | 9     |
 * | 0x02 | publish time (8), trace id (16), parent span id (8), trace flags (1)     | 34    |
 *
 * A bytes message's frame starts with its kind byte `0x6d` (binary-frame.ts), never a tag.
 *
 * The edge checks one byte, reads the fixed-size head when there is one, and frames the rest
 * (a view, not a copy) for its clients without parsing it.
 */
export const ENVELOPE_TIME = 0x01;
export const ENVELOPE_TRACE = 0x02;
export const ENVELOPE_TIME_BYTES = 9;
export const ENVELOPE_TRACE_BYTES = 34;
const FRAME_START = 0x7b; // '{'

/** The W3C trace context of the span that published a message (hex ids, as in `traceparent`). */
export interface TraceStamp {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

/** What an envelope told about a message. */
export interface BusEnvelope {
  /** Publish time in ms since the epoch (with sub-ms precision), or null when not carried. */
  publishedAt: number | null;
  trace: TraceStamp | null;
}

/** The envelope bytes to put before a frame; an empty buffer when there is nothing to carry. */
export function encodeEnvelope(publishedAt: number | null, trace: TraceStamp | null): Buffer {
  if (trace !== null) {
    const head = Buffer.allocUnsafe(ENVELOPE_TRACE_BYTES);
    head[0] = ENVELOPE_TRACE;
    head.writeDoubleLE(publishedAt ?? Date.now(), 1);
    head.write(trace.traceId, 9, 16, 'hex');
    head.write(trace.spanId, 25, 8, 'hex');
    head[33] = trace.traceFlags & 0xff;
    return head;
  }
  if (publishedAt === null) return EMPTY;
  const head = Buffer.allocUnsafe(ENVELOPE_TIME_BYTES);
  head[0] = ENVELOPE_TIME;
  head.writeDoubleLE(publishedAt, 1);
  return head;
}

const EMPTY = Buffer.alloc(0);

/** Envelope + frame (JSON text, or a bytes message frame: binary-frame.ts) in one buffer. */
export function encodeBusMessage(frame: string | Uint8Array, envelope: Buffer): Buffer {
  if (typeof frame !== 'string') {
    if (envelope.length === 0) return Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
    return Buffer.concat([envelope, frame]);
  }
  if (envelope.length === 0) return Buffer.from(frame);
  const frameBytes = Buffer.byteLength(frame);
  const out = Buffer.allocUnsafe(envelope.length + frameBytes);
  envelope.copy(out, 0);
  out.write(frame, envelope.length);
  return out;
}

/** Length of the envelope at the start of `bytes` (0 for a plain frame or unknown bytes). */
export function envelopeLength(bytes: Uint8Array): number {
  const tag = bytes[0];
  if (tag === FRAME_START || tag === undefined) return 0;
  if (tag === ENVELOPE_TIME && bytes.length > ENVELOPE_TIME_BYTES) return ENVELOPE_TIME_BYTES;
  if (tag === ENVELOPE_TRACE && bytes.length > ENVELOPE_TRACE_BYTES) return ENVELOPE_TRACE_BYTES;
  return 0;
}

/** Reads the envelope at the start of `bytes`; null when it has none. */
export function readEnvelope(bytes: Uint8Array): BusEnvelope | null {
  const length = envelopeLength(bytes);
  if (length === 0) return null;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, length);
  const publishedAt = buf.readDoubleLE(1);
  if (length === ENVELOPE_TIME_BYTES) return { publishedAt, trace: null };
  return {
    publishedAt,
    trace: { traceId: buf.toString('hex', 9, 25), spanId: buf.toString('hex', 25, 33), traceFlags: buf[33] as number },
  };
}
