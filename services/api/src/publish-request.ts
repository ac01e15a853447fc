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

/**
 * Where a message object's members lie in the body, as [start, end) (-1: absent); a repeated
 * key keeps its last value, as JSON.parse does. `dataSpaced`: `data` has whitespace outside its
 * strings.
 */
class MessageFields {
  topicStart = -1;
  topicEnd = -1;
  dataStart = -1;
  dataEnd = -1;
  dataSpaced = false;
  idStart = -1;
  idEnd = -1;
}

/** A message's fields, or null when it is not an object. */
type Members = MessageFields | null;

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

/**
 * Reads values that should be message objects, keeping where their members lie (values checked,
 * not decoded). One per body: its member callback is made once, not per message.
 */
class MessageReader {
  /** The fields of the value read last; null when it was not an object. */
  fields: Members = null;
  private current = new MessageFields();

  constructor(private readonly scanner: JsonScanner) {}

  /** Checks the value at `at` (setting `fields`); returns the index after it. */
  read(at: number): number {
    if (this.scanner.bytes[at] !== OPEN_OBJECT) {
      this.fields = null;
      return this.scanner.value(at);
    }
    this.current = new MessageFields();
    this.fields = this.current;
    return this.scanner.object(at, this.member);
  }

  private readonly member = (keyStart: number, keyEnd: number, start: number): number => {
    const { scanner, current } = this;
    const end = scanner.value(start);
    if (scanner.keyIs(keyStart, keyEnd, 'data')) {
      current.dataStart = start;
      current.dataEnd = end;
      current.dataSpaced = scanner.spaced;
    } else if (scanner.keyIs(keyStart, keyEnd, 'topic')) {
      current.topicStart = start;
      current.topicEnd = end;
    } else if (scanner.keyIs(keyStart, keyEnd, 'id')) {
      current.idStart = start;
      current.idEnd = end;
    }
    return end;
  };
}

/** The checked string at [start, end) (start < 0: absent); undefined when absent or not a string. */
function stringAt(scanner: JsonScanner, start: number, end: number): string | undefined {
  return start < 0 || scanner.bytes[start] !== QUOTE ? undefined : scanner.text(start, end);
}

/**
 * Validates one `{"topic":…,"data":…}`; `where` prefixes messages (`messages[3]: …`). `data`
 * is kept as the JSON text it was sent as, less any whitespace outside its strings (so a frame
 * never carries a line break); it is neither parsed nor re-serialised.
 */
function toPublishRequest(scanner: JsonScanner, members: Members, maxDataBytes: number, where = ''): Parsed<PublishRequest> {
  if (members === null) return bad(ErrorCode.BadRequest, `${where}expected {"topic":…,"data":…}`);
  const topic = stringAt(scanner, members.topicStart, members.topicEnd);
  if (topic === undefined) return bad(ErrorCode.BadRequest, `${where}"topic" must be a string`);
  if (!isValidTopic(topic)) return bad(ErrorCode.BadTopic, `${where}invalid topic "${String(topic).slice(0, 64)}"`);
  const { dataStart, dataEnd, dataSpaced } = members;
  if (dataStart < 0) return bad(ErrorCode.BadRequest, `${where}"data" is required`);
  const data = scanner.compact(dataStart, dataEnd, dataSpaced);
  const bytes = dataSpaced ? Buffer.byteLength(data) : dataEnd - dataStart;
  if (bytes > maxDataBytes) return bad(ErrorCode.TooLarge, `${where}"data" is over ${maxDataBytes} bytes`, 413);
  if (members.idStart < 0) return { ok: true, value: { topic, data } };
  const id = stringAt(scanner, members.idStart, members.idEnd);
  if (id === undefined || !isValidIdempotencyKey(id)) return bad(ErrorCode.BadRequest, `${where}"id" ${BAD_IDEMPOTENCY_KEY}`);
  return { ok: true, value: { topic, data, id } };
}

export function parsePublishBody(body: Buffer, maxDataBytes: number, idempotencyKey?: string | string[]): Parsed<PublishRequest> {
  let reader: MessageReader | undefined;
  const json = scanBody(body, (scanner, at) => {
    reader = new MessageReader(scanner);
    return reader.read(at);
  });
  if (!json.ok) return json;
  const message = (reader as MessageReader | undefined)?.fields ?? null;
  if (message !== null && message.idStart >= 0)
    return bad(ErrorCode.BadRequest, 'send the key of a single publish as the Idempotency-Key header');
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
    return scanner.object(at, (keyStart, keyEnd, start) => {
      const isMessages = scanner.keyIs(keyStart, keyEnd, 'messages');
      if (!isMessages || scanner.bytes[start] !== OPEN_ARRAY) {
        if (isMessages) messages = null;
        return scanner.value(start);
      }
      const elements: Members[] = [];
      const reader = new MessageReader(scanner);
      messages = elements;
      count = 0;
      return scanner.array(start, (element) => {
        // Past the limit the rest is only checked: the batch is refused for its length anyway.
        if (++count > maxMessages) return scanner.value(element);
        const end = reader.read(element);
        elements.push(reader.fields);
        return end;
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
