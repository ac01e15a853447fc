import { readBinaryPublishFrame } from './binary-frame.js';
import { ErrorCode } from './codes.js';
import type { ClientFrame, StreamPosition } from './frames.js';
import { isClientReadableReservedTopic } from './reserved-topics.js';
import { isValidPattern, isValidTopic } from './topic.js';

/**
 * Why a client frame was refused. `fatal` errors (not JSON, not an object, unknown op; a binary
 * frame that is not a well-formed publish frame) are protocol errors: the connection is closed with 4400. The others are answered with an
 * `error` frame carrying `code`, and the connection stays open.
 */
export interface DecodeError {
  fatal: boolean;
  code: ErrorCode;
  message: string;
  id?: number;
}

export type DecodeResult = { ok: true; frame: ClientFrame } | { ok: false; error: DecodeError };

const fatal = (message: string): DecodeResult => ({
  ok: false,
  error: { fatal: true, code: ErrorCode.BadRequest, message },
});

const refuse = (code: ErrorCode, message: string, id: number | undefined): DecodeResult => ({
  ok: false,
  error: id === undefined ? { fatal: false, code, message } : { fatal: false, code, message, id },
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeSince(value: unknown): StreamPosition | null | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) return null;
  const { offset, epoch } = value;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return null;
  if (epoch === undefined || epoch === null) return { offset };
  if (typeof epoch !== 'string' || epoch.length > 128) return null;
  return { offset, epoch };
}

/** Decodes one client text frame. Never throws: bad input becomes a typed error. */
export function decodeClientFrame(text: string): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fatal('frame is not valid JSON');
  }
  if (!isRecord(value)) return fatal('frame must be a JSON object');

  const rawId = value.id;
  let id: number | undefined;
  if (rawId !== undefined && rawId !== null) {
    if (typeof rawId !== 'number' || !Number.isFinite(rawId)) {
      return refuse(ErrorCode.BadRequest, '"id" must be a number', undefined);
    }
    id = rawId;
  }
  const withId = <F extends ClientFrame>(frame: F): DecodeResult => ({
    ok: true,
    frame: id === undefined ? frame : { ...frame, id },
  });

  switch (value.op) {
    case 'subscribe': {
      if (typeof value.topic !== 'string') return refuse(ErrorCode.BadRequest, '"topic" must be a string', id);
      if (!isValidPattern(value.topic) && !isClientReadableReservedTopic(value.topic))
        return refuse(ErrorCode.BadTopic, 'invalid topic', id);
      const since = decodeSince(value.since);
      if (since === null) return refuse(ErrorCode.BadRequest, '"since" must be {"offset":<integer ≥ 0>,"epoch":<string>}', id);
      return withId(since === undefined ? { op: 'subscribe', topic: value.topic } : { op: 'subscribe', topic: value.topic, since });
    }
    case 'unsubscribe':
      if (typeof value.topic !== 'string') return refuse(ErrorCode.BadRequest, '"topic" must be a string', id);
      if (!isValidPattern(value.topic) && !isClientReadableReservedTopic(value.topic))
        return refuse(ErrorCode.BadTopic, 'invalid topic', id);
      return withId({ op: 'unsubscribe', topic: value.topic });
    case 'publish': {
      if (typeof value.topic !== 'string') return refuse(ErrorCode.BadRequest, '"topic" must be a string', id);
      if (!isValidTopic(value.topic)) return refuse(ErrorCode.BadTopic, 'invalid topic (no wildcards in publish)', id);
      if (!('data' in value)) return refuse(ErrorCode.BadRequest, '"data" is required', id);
      let data: string;
      try {
        data = JSON.stringify(value.data);
      } catch {
        return refuse(ErrorCode.BadRequest, '"data" cannot be serialised', id);
      }
      return withId({ op: 'publish', topic: value.topic, data });
    }
    case 'connect':
    case 'refresh':
      if (typeof value.token !== 'string' || value.token.length === 0) {
        return refuse(ErrorCode.BadRequest, '"token" must be a non-empty string', id);
      }
      return withId({ op: value.op, token: value.token });
    case 'pong':
      return withId({ op: 'pong' });
    default:
      return fatal(typeof value.op === 'string' ? `unknown op "${value.op.slice(0, 32)}"` : '"op" is required');
  }
}

/**
 * Decodes one client binary frame: a publish of bytes (binary-frame.ts). Never throws. A frame
 * whose layout is broken (unknown kind, shorter than its header, empty topic) is fatal (4400);
 * a well-formed frame to an invalid topic is refused with `bad_topic` like a text publish.
 */
export function decodeBinaryClientFrame(bytes: Uint8Array): DecodeResult {
  const read = readBinaryPublishFrame(bytes);
  if (typeof read === 'string') return fatal(read);
  if (!isValidTopic(read.topic)) return refuse(ErrorCode.BadTopic, 'invalid topic (no wildcards in publish)', read.id);
  const frame = { op: 'publish' as const, topic: read.topic, data: read.payload };
  return { ok: true, frame: read.id === undefined ? frame : { ...frame, id: read.id } };
}
