import { createHash } from 'node:crypto';
import { IdempotencyConflictError, type IdempotentTip } from '@switchboard/history';
import { type MessageData, sameData } from '@switchboard/protocol';

/**
 * Idempotency on JetStream uses the stream's own message-id deduplication: an append with a key
 * carries `Nats-Msg-Id`, and within the stream's `duplicate_window` the server stores a repeat
 * of the id no more and acknowledges it as a duplicate of the original stream sequence. The id
 * is per topic (the key alone would collide across topics): sha256(topic, key), base64url.
 */
export function natsMsgId(topic: string, key: string): string {
  return createHash('sha256').update(topic).update('\n').update(key).digest('base64url');
}

/** The original message a duplicate acknowledgement points at, as the store reads it back. */
export interface OriginalMessage {
  offset: number;
  epoch: string | undefined;
  data: MessageData;
}

/**
 * The answer to a repeat: the original's offset and epoch, or a conflict when the original
 * carried other data. `original` is null when it already left the stream (evicted by the
 * per-topic limit): a repeat all the same, with the offset unknown.
 */
export function replayOf(topic: string, key: string, data: MessageData, original: OriginalMessage | null, epoch: string): IdempotentTip {
  if (original === null) return { offset: null, epoch, replayed: true };
  if (!sameData(original.data, data)) throw new IdempotencyConflictError(topic, key);
  return { offset: original.offset, epoch: original.epoch ?? epoch, replayed: true };
}
