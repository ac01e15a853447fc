import { isValidIdempotencyKey } from '@switchboard/history';
import { BASE64_ENCODING, ErrorCode, isValidTopic, type MessageData } from '@switchboard/protocol';
import type { JsonScanner } from './json-scan.js';
import { type MessageFields, readBatchBody, readMessageBody } from './publish-body.js';

/** One message a backend asks to publish, with `data` as JSON text or bytes. */
export interface PublishRequest {
  topic: string;
  data: MessageData;
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

const QUOTE = 0x22;
const NOT_JSON = 'body is not valid JSON';

/** The checked string at [start, end) (start < 0: absent); undefined when absent or not a string. */
function stringAt(scanner: JsonScanner, start: number, end: number): string | undefined {
  return start < 0 || scanner.bytes[start] !== QUOTE ? undefined : scanner.text(start, end);
}

/** Standard base64 (RFC 4648 §4) with its padding; Node's decoder alone would accept anything. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The `data` of a message: the JSON text it was sent as, less any whitespace outside its strings
 * (so a frame never carries a line break; neither parsed nor re-serialised), or with
 * `"encoding":"base64"` the bytes the base64 string `data` stands for (as Ably's REST API takes
 * them). A string says why it is refused.
 */
function dataOf(scanner: JsonScanner, fields: MessageFields): { data: MessageData; bytes: number } | { refused: string } {
  const { dataStart, dataEnd, dataSpaced } = fields;
  if (fields.encodingStart >= 0) {
    if (stringAt(scanner, fields.encodingStart, fields.encodingEnd) !== BASE64_ENCODING)
      return { refused: '"encoding" must be "base64" (or absent for JSON data)' };
    const base64 = stringAt(scanner, dataStart, dataEnd);
    if (base64 === undefined || !BASE64.test(base64)) return { refused: '"data" must be a base64 string with "encoding":"base64"' };
    const data = Buffer.from(base64, 'base64');
    return { data, bytes: data.length };
  }
  const data = scanner.compact(dataStart, dataEnd, dataSpaced);
  return { data, bytes: dataSpaced ? Buffer.byteLength(data) : dataEnd - dataStart };
}

/** Validates one `{"topic":…,"data":…[,"encoding":"base64"]}`; `where` prefixes messages (`messages[3]: …`). */
function toPublishRequest(scanner: JsonScanner, members: MessageFields | null, maxDataBytes: number, where = ''): Parsed<PublishRequest> {
  if (members === null) return bad(ErrorCode.BadRequest, `${where}expected {"topic":…,"data":…}`);
  const topic = stringAt(scanner, members.topicStart, members.topicEnd);
  if (topic === undefined) return bad(ErrorCode.BadRequest, `${where}"topic" must be a string`);
  if (!isValidTopic(topic)) return bad(ErrorCode.BadTopic, `${where}invalid topic "${String(topic).slice(0, 64)}"`);
  if (members.dataStart < 0) return bad(ErrorCode.BadRequest, `${where}"data" is required`);
  const read = dataOf(scanner, members);
  if ('refused' in read) return bad(ErrorCode.BadRequest, `${where}${read.refused}`);
  const { data } = read;
  if (read.bytes > maxDataBytes) return bad(ErrorCode.TooLarge, `${where}"data" is over ${maxDataBytes} bytes`, 413);
  if (members.idStart < 0) return { ok: true, value: { topic, data } };
  const id = stringAt(scanner, members.idStart, members.idEnd);
  if (id === undefined || !isValidIdempotencyKey(id)) return bad(ErrorCode.BadRequest, `${where}"id" ${BAD_IDEMPOTENCY_KEY}`);
  return { ok: true, value: { topic, data, id } };
}

/** A single publish: the body `{"topic","data"}` (an `id` in it is refused) and the `Idempotency-Key` header. */
export function parsePublishBody(body: Buffer, maxDataBytes: number, idempotencyKey?: string | string[]): Parsed<PublishRequest> {
  const json = readMessageBody(body);
  if (json === null) return bad(ErrorCode.BadRequest, NOT_JSON);
  const message = json.read;
  if (message !== null && message.idStart >= 0)
    return bad(ErrorCode.BadRequest, 'send the key of a single publish as the Idempotency-Key header');
  return withIdempotencyKey(toPublishRequest(json.scanner, message, maxDataBytes), idempotencyKey);
}

/**
 * A single publish of bytes: `Content-Type: application/octet-stream`, the topic in `?topic=`,
 * the body the data as it is (the caller bounds its size), and the `Idempotency-Key` header.
 */
export function parseBytesPublish(body: Buffer, topic: string | null, idempotencyKey?: string | string[]): Parsed<PublishRequest> {
  if (topic === null) return bad(ErrorCode.BadTopic, 'an application/octet-stream publish names its topic as ?topic=…');
  if (!isValidTopic(topic)) return bad(ErrorCode.BadTopic, `invalid topic "${String(topic).slice(0, 64)}"`);
  return withIdempotencyKey({ ok: true, value: { topic, data: body } }, idempotencyKey);
}

function withIdempotencyKey(parsed: Parsed<PublishRequest>, idempotencyKey: string | string[] | undefined): Parsed<PublishRequest> {
  if (!parsed.ok || idempotencyKey === undefined) return parsed;
  if (typeof idempotencyKey !== 'string' || !isValidIdempotencyKey(idempotencyKey)) {
    return bad(ErrorCode.BadRequest, `Idempotency-Key ${BAD_IDEMPOTENCY_KEY}, once`);
  }
  return { ok: true, value: { ...parsed.value, id: idempotencyKey } };
}

export function parseBatchBody(body: Buffer, maxDataBytes: number, maxMessages: number): Parsed<PublishRequest[]> {
  const json = readBatchBody(body, maxMessages);
  if (json === null) return bad(ErrorCode.BadRequest, NOT_JSON);
  const { isObject, messages, count } = json.read;
  if (!isObject || messages === null) return bad(ErrorCode.BadRequest, 'expected {"messages":[…]}');
  if (count === 0) return bad(ErrorCode.BadRequest, '"messages" is empty');
  if (count > maxMessages) return bad(ErrorCode.TooLarge, `at most ${maxMessages} messages per batch`, 413);
  const requests: PublishRequest[] = [];
  for (let i = 0; i < messages.length; i++) {
    const one = toPublishRequest(json.scanner, messages[i] ?? null, maxDataBytes, `messages[${i}]: `);
    if (!one.ok) return one;
    requests.push(one.value);
  }
  return { ok: true, value: requests };
}
