import type { HistoryEntry } from '@switchboard/history';
import { HistoryUnavailableError } from '@switchboard/history';
import type { MessageData } from '@switchboard/protocol';
import { AckPolicy, createInbox, DeliverPolicy, type JetStreamManager, type NatsConnection, NatsError, nanos, type StoredMsg } from 'nats';
import { EPOCH, KIND, KIND_BYTES, OFFSET, PREV } from './jetstream-names.js';

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
  /** Stream sequence of the topic's newest message (0: none). */
  seq: number;
  offset: number;
}

export interface Stored extends Tip {
  prev: number;
  epoch: string | undefined;
  timeMs: number;
  data: MessageData;
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

  /** Messages after `from`, newest known first in the chain: follows `Sb-Prev` from the tip. */
  async walkBack(tip: Stored, from: number, cutoff: number): Promise<HistoryEntry[]> {
    const chain: HistoryEntry[] = [{ offset: tip.offset, data: tip.data }];
    let current = tip;
    while (current.offset > from + 1 && current.prev > 0) {
      const previous = await this.bySeq(current.prev);
      // Gone (evicted by size) or older than the TTL: the page starts later than asked.
      if (previous === null || previous.timeMs < cutoff || previous.offset !== current.offset - 1) break;
      chain.push({ offset: previous.offset, data: previous.data });
      current = previous;
    }
    return chain.reverse();
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
        const offset = Number(msg.headers.get(OFFSET));
        if (!(offset > from)) return;
        if (offset <= (messages[messages.length - 1]?.offset ?? from)) return;
        messages.push({ offset, data: dataOf(msg.data, msg.headers.get(KIND)) });
        if (offset >= target) finish();
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
  const offset = Number(m.header.get(OFFSET));
  if (!Number.isSafeInteger(offset) || offset < 1)
    throw new HistoryUnavailableError(`message ${m.seq} on ${m.subject} has no ${OFFSET} header`);
  const prev = Number(m.header.get(PREV));
  const epoch = m.header.get(EPOCH);
  return {
    seq: m.seq,
    offset,
    prev: Number.isSafeInteger(prev) ? prev : 0,
    epoch: epoch === '' ? undefined : epoch,
    timeMs: m.time.getTime(),
    data: dataOf(m.data, m.header.get(KIND)),
  };
}

/** A stored payload as the data it was: bytes when `Sb-Kind: bytes`, else JSON text. */
function dataOf(payload: Uint8Array, kind: string): MessageData {
  const view = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return kind === KIND_BYTES ? view : view.toString('utf8');
}
