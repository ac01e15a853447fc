import { encodeBusMessage, encodeMessage } from '@switchboard/protocol';
import type { MsgHdrs } from 'nats';
import { KIND, OFFSET } from './jetstream-names.js';
import { COUNT, decodeRecord } from './jetstream-record.js';

/**
 * The bus messages of a record the history stream republished on a topic's bus subject (see
 * jetstream-record.ts and JetStreamHistory): each stored message as the api would have
 * published it, its envelope before its `message` frame. Core bus messages carry no headers;
 * a republished one always has `Sb-Offset`. Returns null for a message that is not a record,
 * and throws HistoryUnavailableError for a record that does not parse.
 */
export function republishedMessages(topic: string, headers: MsgHdrs, data: Uint8Array): Buffer[] | null {
  const first = Number(headers.get(OFFSET));
  if (!Number.isSafeInteger(first) || first < 1) return null;
  return decodeRecord(data, first, headers.get(COUNT), headers.get(KIND)).map((entry) =>
    encodeBusMessage(encodeMessage(topic, entry.offset, entry.data), entry.envelope as Buffer),
  );
}
