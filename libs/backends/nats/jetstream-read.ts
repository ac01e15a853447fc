import type { HistoryEntry } from '@switchboard/history';
import { HistoryUnavailableError } from '@switchboard/history';
import { AckPolicy, createInbox, DeliverPolicy, type JetStreamManager, type NatsConnection, NatsError, nanos, type StoredMsg } from 'nats';
import { EPOCH, KIND, OFFSET, PREV } from './jetstream-names.js';
import { COUNT, decodeRecord, type RecordEntry } from './jetstream-record.js';

/**
 * A gap this small is read by following `Sb-Prev` back from the tip: direct gets are stateless
 * for the server (any replica answers); an ephemeral consumer costs about 5 of them in time.
 */
export const WALK_LIMIT = 6;

/** nats.js's direct-get API: on the manager object, but not (yet) in its exported types. */
export interface DirectGet {
  getMessage(stream: string, query: { seq: number } | { last_by_subj: string }): Promise<StoredMsg>;
}

export interface Tip {
  /** Stream sequence of the topic's newest record (0: none). */
  seq: number;
  /** The newest offset (the record's last message). */
  offset: number;
}

/** A stored record (see jetstream-record.ts): one or more consecutive messages of a topic. */
export interface Stored extends Tip {
  /** Offset of the record's first message (`offset` when it holds one). */
  first: number;
  /** Stream sequence of the topic's previous record (0: none). */
  prev: number;
  epoch: string | undefined;
  timeMs: number;
  /** The record's messages, oldest first. */
  entries: HistoryEntry[];
}

/** What the reader needs from the store. */
export interface ReadContext {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly direct: DirectGet;
  readonly streamName: string;
  readonly subjectPrefix: string;
  readonly timeoutMs: number;
}

/** Reads of the JetStream history: a topic's tip, and the messages after an offset. */
export class JetStreamReader {
  constructor(private readonly ctx: ReadContext) {}

  /** The topic's newest message, or null when it has none. */
  async last(topic: string): Promise<Stored | null> {
    try {
      return toStored(await this.ctx.direct.getMessage(this.ctx.streamName, { last_by_subj: this.ctx.subjectPrefix + topic }));
    } catch (err) {
      if (err instanceof NatsError && err.code === '404') return null;
      throw err;
    }
  }

  /** The message at stream sequence `seq`, or null when it is gone. */
  async bySeq(seq: number): Promise<Stored | null> {
    try {
      return toStored(await this.ctx.direct.getMessage(this.ctx.streamName, { seq }));
    } catch (err) {
      if (err instanceof NatsError && err.code === '404') return null;
      throw err;
    }
  }

  /** Messages after `from`, read by following `Sb-Prev` back from the tip's record. */
  async walkBack(tip: Stored, from: number, cutoff: number): Promise<HistoryEntry[]> {
    const records: HistoryEntry[][] = [after(tip.entries, from)];
    let current = tip;
    while (current.first > from + 1 && current.prev > 0) {
      const previous = await this.bySeq(current.prev);
      // Gone (evicted by size) or older than the TTL: the page starts later than asked.
      if (previous === null || previous.timeMs < cutoff || previous.offset !== current.first - 1) break;
      records.push(after(previous.entries, from));
      current = previous;
    }
    return records.reverse().flat();
  }

  /** Messages with offset in (from, target] (fewer when older ones are gone), oldest first. */
  async readForward(topic: string, from: number, target: number, cutoff: number): Promise<HistoryEntry[]> {
    const messages: HistoryEntry[] = [];
    const inbox = createInbox();
    let finish: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const sub = this.ctx.nc.subscribe(inbox, {
      callback: (err, msg) => {
        if (err !== null || msg.headers === undefined) return;
        let entries: HistoryEntry[];
        try {
          const first = Number(msg.headers.get(OFFSET));
          entries = historyEntries(decodeRecord(msg.data, first, msg.headers.get(COUNT), msg.headers.get(KIND)));
        } catch {
          return; // not a record of ours: skipped like a message without offset
        }
        for (const entry of entries) {
          if (!(entry.offset > from) || entry.offset <= (messages[messages.length - 1]?.offset ?? from)) continue;
          messages.push(entry);
        }
        if ((messages[messages.length - 1]?.offset ?? from) >= target) finish();
      },
    });
    let consumer: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const info = await this.ctx.jsm.consumers.add(this.ctx.streamName, {
        deliver_subject: inbox,
        filter_subject: this.ctx.subjectPrefix + topic,
        deliver_policy: DeliverPolicy.StartTime,
        opt_start_time: new Date(cutoff).toISOString(),
        ack_policy: AckPolicy.None,
        mem_storage: true,
        num_replicas: 1,
        inactive_threshold: nanos(5000),
      });
      consumer = info.name;
      await Promise.race([
        reached,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new HistoryUnavailableError(`history read of ${topic} took over ${this.ctx.timeoutMs} ms`)),
            this.ctx.timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
      sub.unsubscribe();
      if (consumer !== undefined) this.ctx.jsm.consumers.delete(this.ctx.streamName, consumer).catch(() => undefined);
    }
    return messages;
  }
}

function toStored(m: StoredMsg): Stored {
  const first = Number(m.header.get(OFFSET));
  if (!Number.isSafeInteger(first) || first < 1)
    throw new HistoryUnavailableError(`message ${m.seq} on ${m.subject} has no ${OFFSET} header`);
  const entries = historyEntries(decodeRecord(m.data, first, m.header.get(COUNT), m.header.get(KIND)));
  const prev = Number(m.header.get(PREV));
  const epoch = m.header.get(EPOCH);
  return {
    seq: m.seq,
    first,
    offset: first + entries.length - 1,
    prev: Number.isSafeInteger(prev) ? prev : 0,
    epoch: epoch === '' ? undefined : epoch,
    timeMs: m.time.getTime(),
    entries,
  };
}

/** A record's messages as history entries (their bus envelopes are for live delivery only). */
function historyEntries(entries: RecordEntry[]): HistoryEntry[] {
  return entries.map((e) => ({ offset: e.offset, data: e.data }));
}

/** The entries of `entries` past offset `from`. */
function after(entries: HistoryEntry[], from: number): HistoryEntry[] {
  return entries[0] !== undefined && entries[0].offset > from ? entries : entries.filter((e) => e.offset > from);
}
