import { NatsError } from 'nats';

/**
 * The subjects of a prefix (BUS_PREFIX): topic `t` is announced on `<prefix>.m.t` (the bus, and
 * where the history stream republishes what it stored) and stored on `<prefix>.h.t`.
 */
export function subjectPrefixes(prefix: string): { bus: string; history: string } {
  return { bus: `${prefix}.m.`, history: `${prefix}.h.` };
}

/** Per-topic offset, carried as a header by every stored message (a record's first offset). */
export const OFFSET = 'Sb-Offset';
/** Stream sequence of the topic's previous message (0 for the first), checked by the server at append. */
export const PREV = 'Sb-Prev';
/**
 * Present (value `bytes`) on a message whose data is bytes; absent on JSON text, so JSON
 * messages carry nothing extra. The payload is the data either way.
 */
export const KIND = 'Sb-Kind';
export const KIND_BYTES = 'bytes';
/** The epoch the writer believed in; a reader that sees another one re-reads the stream's epoch. */
export const EPOCH = 'Sb-Epoch';

/** JetStream publish headers (what `js.publish` sets from its options). */
export const MSG_ID = 'Nats-Msg-Id';
export const EXPECTED_LAST_MSG_ID = 'Nats-Expected-Last-Msg-Id';
export const EXPECTED_LAST_SEQUENCE = 'Nats-Expected-Last-Sequence';
export const EXPECTED_LAST_SUBJECT_SEQUENCE = 'Nats-Expected-Last-Subject-Sequence';

/** JetStream API error codes (nats-server `errors.json`). */
export const WRONG_LAST_MSG_ID = 10070;
export const WRONG_LAST_SEQUENCE = 10071;
export const STREAM_NOT_FOUND = 10059;
export const STREAM_NAME_IN_USE = 10058;

export function apiErrorCode(err: unknown): number | undefined {
  return err instanceof NatsError ? err.api_error?.err_code : undefined;
}

/** No stream listens (no responders) or the API says it does not exist. */
export function streamMissing(err: unknown): boolean {
  return (err instanceof NatsError && err.code === '503') || apiErrorCode(err) === STREAM_NOT_FOUND;
}

/** Stream `created` (RFC 3339 with up to nanoseconds) as nanoseconds since 1970, base 36. */
export function epochOf(created: string): string {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(created);
  const ms = match === null ? Number.NaN : Date.parse(`${match[1]}${match[3]}`);
  if (match === null || Number.isNaN(ms)) return created.replace(/[^0-9A-Za-z]/g, '');
  const fraction = BigInt((match[2] ?? '').padEnd(9, '0'));
  return (BigInt(ms) * 1_000_000n + fraction).toString(36);
}
