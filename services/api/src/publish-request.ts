import { isValidIdempotencyKey } from '@switchboard/history';
import { ErrorCode, isValidTopic } from '@switchboard/protocol';
import type { JsonScanner } from './json-scan.js';
import { type MessageFields, readBatchBody, readMessageBody } from './publish-body.js';

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

const QUOTE = 0x22;
const NOT_JSON = 'body is not valid JSON';

/** The checked string at [start, end) (start < 0: absent); undefined when absent or not a string. */
function stringAt(scanner: JsonScanner, start: number, end: number): string | undefined {
  return start < 0 || scanner.bytes[start] !== QUOTE ? undefined : scanner.text(start, end);
}

/**
 * Validates one `{"topic":…,"data":…}`; `where` prefixes messages (`messages[3]: …`). `data`
 * is kept as the JSON text it was sent as, less any whitespace outside its strings (so a frame
 * never carries a line break); it is neither parsed nor re-serialised.
 */
function toPublishRequest(scanner: JsonScanner, members: MessageFields | null, maxDataBytes: number, where = ''): Parsed<PublishRequest> {
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
  const json = readMessageBody(body);
  if (json === null) return bad(ErrorCode.BadRequest, NOT_JSON);
  const message = json.read;
  if (message !== null && message.idStart >= 0)
    return bad(ErrorCode.BadRequest, 'send the key of a single publish as the Idempotency-Key header');
  const parsed = toPublishRequest(json.scanner, message, maxDataBytes);
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
