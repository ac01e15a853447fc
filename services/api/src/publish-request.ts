import { isValidIdempotencyKey } from '@switchboard/history';
import { BASE64_ENCODING, ErrorCode, isValidTopic, type MessageData } from '@switchboard/protocol';

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

function parseJson(body: Buffer): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return bad(ErrorCode.BadRequest, 'body is not valid JSON');
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Standard base64 (RFC 4648 §4) with its padding; Node's decoder alone would accept anything. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The `data` of a message: JSON text, or with `"encoding":"base64"` the bytes the base64 string
 * `data` stands for (as Ably's REST API takes them). A string says why it is refused.
 */
function dataOf(value: Record<string, unknown>): { data: MessageData } | { refused: string } {
  if (value.encoding !== undefined) {
    if (value.encoding !== BASE64_ENCODING) return { refused: '"encoding" must be "base64" (or absent for JSON data)' };
    if (typeof value.data !== 'string' || !BASE64.test(value.data))
      return { refused: '"data" must be a base64 string with "encoding":"base64"' };
    return { data: Buffer.from(value.data, 'base64') };
  }
  try {
    return { data: JSON.stringify(value.data) };
  } catch {
    return { refused: '"data" cannot be serialised' };
  }
}

/** Bytes of the data as stored: the JSON text's UTF-8, or the bytes. */
const byteLength = (data: MessageData) => (typeof data === 'string' ? Buffer.byteLength(data) : data.length);

/** Validates one `{"topic":…,"data":…[,"encoding":"base64"]}`; `where` prefixes messages (`messages[3]: …`). */
export function toPublishRequest(value: unknown, maxDataBytes: number, where = ''): Parsed<PublishRequest> {
  if (!isRecord(value)) return bad(ErrorCode.BadRequest, `${where}expected {"topic":…,"data":…}`);
  if (typeof value.topic !== 'string') return bad(ErrorCode.BadRequest, `${where}"topic" must be a string`);
  if (!isValidTopic(value.topic)) return bad(ErrorCode.BadTopic, `${where}invalid topic "${String(value.topic).slice(0, 64)}"`);
  if (!('data' in value) || value.data === undefined) return bad(ErrorCode.BadRequest, `${where}"data" is required`);
  const read = dataOf(value);
  if ('refused' in read) return bad(ErrorCode.BadRequest, `${where}${read.refused}`);
  const { data } = read;
  if (byteLength(data) > maxDataBytes) return bad(ErrorCode.TooLarge, `${where}"data" is over ${maxDataBytes} bytes`, 413);
  if (value.id === undefined) return { ok: true, value: { topic: value.topic, data } };
  if (typeof value.id !== 'string' || !isValidIdempotencyKey(value.id))
    return bad(ErrorCode.BadRequest, `${where}"id" ${BAD_IDEMPOTENCY_KEY}`);
  return { ok: true, value: { topic: value.topic, data, id: value.id } };
}

/** A single publish: the body `{"topic","data"}` (an `id` in it is refused) and the `Idempotency-Key` header. */
export function parsePublishBody(body: Buffer, maxDataBytes: number, idempotencyKey?: string | string[]): Parsed<PublishRequest> {
  const json = parseJson(body);
  if (!json.ok) return json;
  if (isRecord(json.value) && 'id' in json.value)
    return bad(ErrorCode.BadRequest, 'send the key of a single publish as the Idempotency-Key header');
  return withIdempotencyKey(toPublishRequest(json.value, maxDataBytes), idempotencyKey);
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
  const json = parseJson(body);
  if (!json.ok) return json;
  const messages = isRecord(json.value) ? json.value.messages : undefined;
  if (!Array.isArray(messages)) return bad(ErrorCode.BadRequest, 'expected {"messages":[…]}');
  if (messages.length === 0) return bad(ErrorCode.BadRequest, '"messages" is empty');
  if (messages.length > maxMessages) return bad(ErrorCode.TooLarge, `at most ${maxMessages} messages per batch`, 413);
  const requests: PublishRequest[] = [];
  for (let i = 0; i < messages.length; i++) {
    const one = toPublishRequest(messages[i], maxDataBytes, `messages[${i}]: `);
    if (!one.ok) return one;
    requests.push(one.value);
  }
  return { ok: true, value: requests };
}
