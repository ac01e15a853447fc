import { isValidIdempotencyKey } from '@switchboard/history';
import { ErrorCode, isValidTopic } from '@switchboard/protocol';

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

/** Validates one `{"topic":…,"data":…}`; `where` prefixes messages (`messages[3]: …`). */
export function toPublishRequest(value: unknown, maxDataBytes: number, where = ''): Parsed<PublishRequest> {
  if (!isRecord(value)) return bad(ErrorCode.BadRequest, `${where}expected {"topic":…,"data":…}`);
  if (typeof value.topic !== 'string') return bad(ErrorCode.BadRequest, `${where}"topic" must be a string`);
  if (!isValidTopic(value.topic)) return bad(ErrorCode.BadTopic, `${where}invalid topic "${String(value.topic).slice(0, 64)}"`);
  if (!('data' in value) || value.data === undefined) return bad(ErrorCode.BadRequest, `${where}"data" is required`);
  let data: string;
  try {
    data = JSON.stringify(value.data);
  } catch {
    return bad(ErrorCode.BadRequest, `${where}"data" cannot be serialised`);
  }
  if (Buffer.byteLength(data) > maxDataBytes) return bad(ErrorCode.TooLarge, `${where}"data" is over ${maxDataBytes} bytes`, 413);
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
  const parsed = toPublishRequest(json.value, maxDataBytes);
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
