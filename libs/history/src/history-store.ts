import type { MessageData } from '@switchboard/protocol';
import type { IdempotencyKey, IdempotentTip } from './idempotency.js';

/**
 * Per-topic message history. Offsets come from one sequencer per topic: the first message of
 * an epoch has offset 1 and each next one the previous plus one, so a subscriber can tell a
 * gap. An epoch names one life of a topic's sequence; when the sequence restarts (store
 * wiped, stream recreated, topic evicted) the epoch changes and old offsets mean nothing.
 */
export interface HistoryEntry {
  offset: number;
  /**
   * The message's data exactly as published: JSON text (a string) or bytes (a Uint8Array). Every
   * store gives back the kind it was given (see libs/protocol message-data.ts).
   */
  data: MessageData;
}

export interface StreamTip {
  /** Offset of the newest message (0 when the topic has none in this epoch). */
  offset: number;
  epoch: string;
}

export interface HistoryPage extends StreamTip {
  /** Messages with offset greater than the one asked for, oldest first, at most `limit`. */
  messages: HistoryEntry[];
  /**
   * True when nothing after the asked offset was lost: the page starts right after it (or the
   * topic holds nothing newer) and the epoch asked for is the current one.
   */
  complete: boolean;
}

export interface HistoryLimits {
  /** Messages kept per topic (at least 1). */
  size: number;
  /** How long a message is kept, in milliseconds. */
  ttlMs: number;
  /**
   * HISTORY_REPLICAS: servers that hold a message before its append is acknowledged (JetStream
   * stream replicas; Redis: the master plus replicas confirmed with WAIT). Default 1; a store on
   * one server ignores it.
   */
  replicas?: number;
  /**
   * Bound on the bytes of all topics' messages (HISTORY_MAX_BYTES); past it the oldest messages,
   * across topics, are dropped. Unset = no bound beyond size × topics.
   */
  maxBytes?: number;
}

export interface HistoryStore {
  readonly kind: string;
  /**
   * Stores one message and returns its offset. Rejects when the store is unreachable. Appends
   * of one topic through one store get increasing offsets in the order they were called, even
   * when many are in flight: callers need not wait for one before making the next.
   */
  append(topic: string, data: MessageData): Promise<StreamTip>;
  /**
   * With `key` (passed only when `deduplicates`): a repeat of the key on this topic within its
   * TTL stores nothing and answers the original offset and epoch with `replayed`, or rejects
   * with IdempotencyConflictError when the data differs.
   */
  append(topic: string, data: MessageData, key?: IdempotencyKey): Promise<IdempotentTip>;
  /**
   * True when `append` honours an idempotency key itself, for every process sharing the store
   * (Redis: inside the append script; JetStream: the stream's message-id window). Otherwise the
   * Publisher keeps keys in a per-process table.
   */
  readonly deduplicates?: boolean;
  /**
   * What a subscriber missed after `offset` (of `epoch`, when given). With another epoch than
   * the current one, the page holds the current epoch from its start and `complete` is false.
   */
  since(topic: string, offset: number, limit: number, epoch?: string): Promise<HistoryPage>;
  /**
   * The newest offset and the epoch of a topic, without reading messages. A topic that never had
   * a message (or whose sequence expired) reports offset 0 and the epoch its first message will
   * get, so `since(topic, n, …, thatEpoch)` after n appends is complete and replays nothing old.
   */
  tip(topic: string): Promise<StreamTip>;
  close(): Promise<void>;
}

/**
 * A store whose `append` also puts the encoded `message` frame on the bus, as part of storing it
 * (Redis: one Lua script stores and publishes; NATS: the stream republishes what it stored, and
 * the edges' NatsBus turns that into the same frames). The Publisher then only appends. A
 * backend says so by the type of the history it opens.
 */
export interface PublishingHistoryStore extends HistoryStore {
  readonly publishes: true;
  /**
   * As HistoryStore.append; `envelope` (trace context, publish time: libs/protocol
   * bus-envelope.ts) goes before the frame it publishes, when given and not empty.
   */
  append(topic: string, data: MessageData): Promise<StreamTip>;
  append(topic: string, data: MessageData, key?: IdempotencyKey, envelope?: Uint8Array): Promise<IdempotentTip>;
}

/** True when `store` publishes its appends itself (see PublishingHistoryStore). */
export function publishesOnAppend(store: HistoryStore): store is PublishingHistoryStore {
  return (store as Partial<PublishingHistoryStore>).publishes === true;
}

export class HistoryUnavailableError extends Error {
  override readonly name = 'HistoryUnavailableError';
}
