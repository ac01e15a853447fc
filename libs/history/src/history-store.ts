/**
 * Per-topic message history. Offsets come from one sequencer per topic: the first message of
 * an epoch has offset 1 and each next one the previous plus one, so a subscriber can tell a
 * gap. An epoch names one life of a topic's sequence; when the sequence restarts (store
 * wiped, stream recreated, topic evicted) the epoch changes and old offsets mean nothing.
 */
export interface HistoryEntry {
  offset: number;
  /** The message's `data` as JSON text, exactly as published. */
  data: string;
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
   * Bound on the bytes of all topics' messages (HISTORY_MAX_BYTES); past it the oldest messages,
   * across topics, are dropped. Unset = no bound beyond size × topics.
   */
  maxBytes?: number;
}

export interface HistoryStore {
  readonly kind: string;
  /**
   * True when `append` also publishes the encoded `message` frame on the bus, atomically with
   * storing it (Redis: one Lua script). The Publisher then does not publish again.
   */
  readonly publishes?: boolean;
  /** Stores one message and returns its offset. Rejects when the store is unreachable. */
  append(topic: string, data: string): Promise<StreamTip>;
  /**
   * What a subscriber missed after `offset` (of `epoch`, when given). With another epoch than
   * the current one, the page holds the current epoch from its start and `complete` is false.
   */
  since(topic: string, offset: number, limit: number, epoch?: string): Promise<HistoryPage>;
  /** The newest offset and the epoch of a topic, without reading messages. */
  tip(topic: string): Promise<StreamTip>;
  close(): Promise<void>;
}

export class HistoryUnavailableError extends Error {
  override readonly name = 'HistoryUnavailableError';
}
