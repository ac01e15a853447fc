import { isUtf8 } from 'node:buffer';
import { isValidIdempotencyKey } from '@switchboard/history';
import { ErrorCode, isValidTopic } from '@switchboard/protocol';
import { JsonScanner, JsonSyntaxError } from './json-scan.js';

/** One message a backend asks to publish, with `data` as JSON text. */
export interface PublishRequest {
  topic: string;
  data: string;
  /** Its idempotency key (`Idempotency-Key` header, or the batch message's `id`). */
  id?: string;
}

export const BAD_IDEMPOTENCY_KEY = 'must be 1-255 visible ASCII characters (no spaces)';

export interface RequestError {
  status: number;
  code: ErrorCode;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: RequestError };

const bad = (code: ErrorCode, message: string, status = 400): Parsed<never> => ({ ok: false, error: { status, code, message } });

/** A value's place in the body, and whether it has whitespace inside it (outside its strings). */
interface ValueSpan {
  start: number;
  end: number;
  spaced: boolean;
}

/** An object's members by key (a repeated key keeps its last value, as JSON.parse does); null for a non-object. */
type Members = Map<string, ValueSpan> | null;

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const QUOTE = 0x22;

/**
 * Checks that the body is one JSON value, read by `read` (which checks the value at its index
 * and returns the index after it). Bytes that are not UTF-8 become U+FFFD first, as in the
 * decoded text JSON.parse would see.
 */
function scanBody(body: Buffer, read: (scanner: JsonScanner, at: number) => number): Parsed<JsonScanner> {
  const scanner = new JsonScanner(isUtf8(body) ? body : Buffer.from(body.toString('utf8')));
  try {
    const end = scanner.skipWhitespace(read(scanner, scanner.skipWhitespace(0)));
    if (end === scanner.bytes.length) return { ok: true, value: scanner };
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
  }
  return bad(ErrorCode.BadRequest, 'body is not valid JSON');
}

/** Checks the value at `at`; when it is an object, calls `found` with its members (values checked, not decoded). */
function readMembers(scanner: JsonScanner, at: number, found: (members: Members) => void): number {
  if (scanner.bytes[at] !== OPEN_OBJECT) {
    found(null);
    return scanner.value(at);
  }
  const members = new Map<string, ValueSpan>();
  found(members);
  return scanner.object(at, (key, start) => {
    const end = scanner.value(start);
    members.set(key, { start, end, spaced: scanner.spaced });
    return end;
  });
}

/**
 * Validates one `{"topic":…,"data":…}`; `where` prefixes messages (`messages[3]: …`). `data`
 * is kept as the JSON text it was sent as, less any whitespace outside its strings (so a frame
 * never carries a line break); it is neither parsed nor re-serialised.
 */
function toPublishRequest(scanner: JsonScanner, members: Members, maxDataBytes: number, where = ''): Parsed<PublishRequest> {
  if (members === null) return bad(ErrorCode.BadRequest, `${where}expected {"topic":…,"data":…}`);
  const string = (span: ValueSpan | undefined) =>
    span === undefined || scanner.bytes[span.start] !== QUOTE ? undefined : scanner.text(span.start, span.end);
  const topic = string(members.get('topic'));
  if (topic === undefined) return bad(ErrorCode.BadRequest, `${where}"topic" must be a string`);
  if (!isValidTopic(topic)) return bad(ErrorCode.BadTopic, `${where}invalid topic "${String(topic).slice(0, 64)}"`);
  const span = members.get('data');
  if (span === undefined) return bad(ErrorCode.BadRequest, `${where}"data" is required`);
  const data = scanner.compact(span.start, span.end, span.spaced);
  const bytes = span.spaced ? Buffer.byteLength(data) : span.end - span.start;
  if (bytes > maxDataBytes) return bad(ErrorCode.TooLarge, `${where}"data" is over ${maxDataBytes} bytes`, 413);
  const idSpan = members.get('id');
  if (idSpan === undefined) return { ok: true, value: { topic, data } };
  const id = string(idSpan);
  if (id === undefined || !isValidIdempotencyKey(id)) return bad(ErrorCode.BadRequest, `${where}"id" ${BAD_IDEMPOTENCY_KEY}`);
  return { ok: true, value: { topic, data, id } };
}

export function parsePublishBody(body: Buffer, maxDataBytes: number, idempotencyKey?: string | string[]): Parsed<PublishRequest> {
  let members: Members = null;
  const json = scanBody(body, (scanner, at) =>
    readMembers(scanner, at, (found) => {
      members = found;
    }),
  );
  if (!json.ok) return json;
  const message = members as Members;
  if (message?.has('id')) return bad(ErrorCode.BadRequest, 'send the key of a single publish as the Idempotency-Key header');
  const parsed = toPublishRequest(json.value, message, maxDataBytes);
  if (!parsed.ok || idempotencyKey === undefined) return parsed;
  if (typeof idempotencyKey !== 'string' || !isValidIdempotencyKey(idempotencyKey)) {
    return bad(ErrorCode.BadRequest, `Idempotency-Key ${BAD_IDEMPOTENCY_KEY}, once`);
  }
  return { ok: true, value: { ...parsed.value, id: idempotencyKey } };
}

export function parseBatchBody(body: Buffer, maxDataBytes: number, maxMessages: number): Parsed<PublishRequest[]> {
  let isObject = false;
  /** The (last) `messages` member's elements, the first maxMessages of them; null when it is not an array. */
  let messages: Members[] | null = null;
  let count = 0;
  const json = scanBody(body, (scanner, at) => {
    if (scanner.bytes[at] !== OPEN_OBJECT) return scanner.value(at);
    isObject = true;
    return scanner.object(at, (key, start) => {
      if (key !== 'messages' || scanner.bytes[start] !== OPEN_ARRAY) {
        if (key === 'messages') messages = null;
        return scanner.value(start);
      }
      const elements: Members[] = [];
      messages = elements;
      count = 0;
      return scanner.array(start, (element) => {
        // Past the limit the rest is only checked: the batch is refused for its length anyway.
        if (++count > maxMessages) return scanner.value(element);
        return readMembers(scanner, element, (members) => elements.push(members));
      });
    });
  });
  if (!json.ok) return json;
  const elements = messages as Members[] | null;
  if (!isObject || elements === null) return bad(ErrorCode.BadRequest, 'expected {"messages":[…]}');
  if (count === 0) return bad(ErrorCode.BadRequest, '"messages" is empty');
  if (count > maxMessages) return bad(ErrorCode.TooLarge, `at most ${maxMessages} messages per batch`, 413);
  const requests: PublishRequest[] = [];
  for (let i = 0; i < elements.length; i++) {
    const one = toPublishRequest(json.value, elements[i] ?? null, maxDataBytes, `messages[${i}]: `);
    if (!one.ok) return one;
    requests.push(one.value);
  }
  return { ok: true, value: requests };
}
