import { randomBytes } from 'node:crypto';
import { HistoryUnavailableError, type StreamTip } from '@switchboard/history';
import type { MessageData } from '@switchboard/protocol';
import { headers, type MsgHdrs, type PubAck } from 'nats';
import {
  apiErrorCode,
  EPOCH,
  EXPECTED_LAST_MSG_ID,
  EXPECTED_LAST_SEQUENCE,
  EXPECTED_LAST_SUBJECT_SEQUENCE,
  KIND,
  KIND_BYTES,
  MSG_ID,
  OFFSET,
  PREV,
  streamMissing,
  WRONG_LAST_MSG_ID,
  WRONG_LAST_SEQUENCE,
} from './jetstream-names.js';
import { COUNT, encodeRecord, framedSize, MAX_RECORD_BYTES, MAX_RECORD_MESSAGES, needsFraming } from './jetstream-record.js';
import { TopicQueues } from './topic-queues.js';

/** A topic's newest message as this process knows it. */
export interface TopicTip {
  /** Stream sequence (0: none). Predicted while `confirmed` is false. */
  seq: number;
  offset: number;
  /** Taken from the server (an ack or a read), not predicted. */
  confirmed: boolean;
}

/** What the appender needs from the store around it. */
export interface AppendContext {
  /** Publishes to the stream; resolves with the ack or rejects like `js.publish` (see jetstream-publish.ts). */
  publish(subject: string, payload: Uint8Array, headers: MsgHdrs): Promise<PubAck>;
  /** Told of every failed publish (before the appender handles it). */
  publishFailed(error: unknown): void;
  readonly subjectPrefix: string;
  /** The epoch messages are written under now. */
  epoch(): string;
  /** The topic's newest message read from the server (null: none), or a rejection. */
  readTip(topic: string): Promise<{ seq: number; offset: number } | null>;
  /** Re-reads the stream (recreating it when missing) and its epoch; clears cached tips on a new epoch. */
  refreshEpoch(): Promise<void>;
  /** Throws when the store cannot take requests (closed, disconnected). */
  usable(): void;
}

/** An append's outcome: where it was stored, or (`duplicateOf`) the sequence of the message its id repeats. */
export interface AppendOutcome extends StreamTip {
  /** The server stored nothing: the message id was seen within the duplicate window, at this stream sequence. */
  duplicateOf?: number;
}

interface Pending {
  /** Call order (retries are sent again in this order). */
  order: number;
  topic: string;
  payload: Uint8Array;
  /** The data is bytes, not JSON text. */
  bytes: boolean;
  /** The bus envelope the edges get with it when the stream republishes it (empty: none). */
  envelope: Uint8Array;
  /** A caller's message id (an idempotency key): the server's duplicate detection applies. */
  msgId?: string;
  attempts: number;
  resolve(tip: AppendOutcome): void;
  reject(error: unknown): void;
}

interface Sent {
  /** The record's messages (one with a message id), in call order. */
  pendings: Pending[];
  /** Sent while nothing was in flight: it alone competes with other writers. */
  anchor: boolean;
  id: string;
  predictedSeq: number;
  /** Offset of the record's first message. */
  first: number;
  epoch: string;
}

const NO_ENVELOPE = new Uint8Array(0);

/** Appends that lose the race against other writers this often in a row give up. */
const MAX_ATTEMPTS = 20;
/** Publishes one store keeps in flight; more wait in the queue. */
const MAX_IN_FLIGHT = 1024;
/** Per-topic tips cached (the oldest is forgotten first; it is read again when needed). */
const MAX_CACHED_TIPS = 100_000;

/**
 * Appends to the JetStream history without a broker round trip per message.
 *
 * Offsets are per topic, JetStream sequences per stream, and the server is the one sequencer:
 * each message carries its offset and must pass the server's optimistic-concurrency checks.
 *
 * - Anchor: a message sent while nothing of this store is in flight expects its topic's last
 *   subject sequence to be the one last confirmed (`Nats-Expected-Last-Subject-Sequence`), so
 *   it fails if any other process appended to the topic meanwhile.
 * - Followers: a message sent while others are in flight is pipelined behind them. It expects
 *   the stream's last message to be this store's previous send, by id and by predicted
 *   sequence (`Nats-Expected-Last-Msg-Id` and `Nats-Expected-Last-Sequence`): it can only be
 *   stored right after that message, so the chain back to the anchor is stored contiguously
 *   with nothing in between, and its predicted offset and `Sb-Prev` are exactly right. A
 *   prediction alone (a sequence number) is not enough: after one failure another writer's
 *   message can land on the predicted sequence and let a later message through with a gap.
 * - Any failure breaks the chain for everything sent after it. The store then waits until
 *   all in-flight publishes settled, forgets unconfirmed tips, and sends the failed messages
 *   again in their original order (resequenced: new offsets), the first alone as an anchor;
 *   the pipeline opens again once an anchor is stored. Only an anchor's lost race counts
 *   towards the retry bound (a follower fails because of the chain, not the race).
 *
 * - Records: the appends of a topic queued together (requests read in the same turn, a batch)
 *   go out as ONE stored record (jetstream-record.ts): one message for the server to check,
 *   store and acknowledge, whose n messages take offsets first..first+n-1. The chain logic
 *   above applies to records; an append with a message id is a record of its own.
 * - One record in flight per topic, and a short linger after its ack (topic-queues.ts): a
 *   topic's appends made while its record is on the way go out together (group commit). An
 *   idle topic still sends at the end of the turn; a busy one sends fewer, larger records,
 *   which is what the server's cost follows. Other topics are not held up: the pipeline spans
 *   topics.
 *
 * One process alone on a topic therefore sends continuously (throughput bound by the server
 * and the records' size, not by one round trip per message); processes competing for one topic fall back towards one round
 * trip per message, and offsets stay gap-free and unique in every case. Appends of a topic
 * are numbered in call order.
 */
export class JetStreamAppender {
  /** Each topic's appends waiting to be sent, and which topics may send now. */
  private readonly queues = new TopicQueues<Pending>(
    () => void this.pump(),
    (pending) => pending.msgId !== undefined,
  );
  private readonly inFlight = new Set<Sent>();
  private readonly tips = new Map<string, TopicTip>();
  /** The last message sent whose outcome is unknown (the chain's end), or null. */
  private tail: Sent | null = null;
  /** Stream sequence of the newest ack seen. */
  private lastSeq = 0;
  /** A failure broke the chain: send nothing until every in-flight publish settled. */
  private broken = false;
  /**
   * After a broken chain only the anchor goes out, and the pipeline opens again once it is
   * stored: under contention this store then behaves like one-in-flight (each round trip, one
   * writer wins), without contention it pipelines.
   */
  private probing = false;
  private readonly retry: Pending[] = [];
  private pumping = false;
  private pumpScheduled = false;
  private readonly idPrefix = randomBytes(6).toString('base64url');
  private nextId = 0;
  private calls = 0;

  constructor(private readonly ctx: AppendContext) {}

  /** Appends `data` (`envelope`: see RecordItem); with `msgId`, a repeat of the id within the stream's duplicate window resolves with `duplicateOf`. */
  append(topic: string, data: MessageData, msgId?: string, envelope: Uint8Array = NO_ENVELOPE): Promise<AppendOutcome> {
    return new Promise<AppendOutcome>((resolve, reject) => {
      const bytes = typeof data !== 'string';
      const payload = bytes ? data : Buffer.from(data, 'utf8');
      const pending: Pending = { order: this.calls++, topic, payload, bytes, envelope, attempts: 0, resolve, reject };
      if (msgId !== undefined) pending.msgId = msgId;
      this.queues.push(pending);
      // The appends of one event-loop turn (requests read together, a batch) go out together
      // at its end: one socket write for all of them instead of one each.
      if (!this.pumpScheduled) {
        this.pumpScheduled = true;
        setImmediate(this.scheduledPump);
      }
    });
  }

  private readonly scheduledPump = (): void => {
    this.pumpScheduled = false;
    void this.pump();
  };

  /** Forgets every cached tip (another stream, another epoch). */
  clearTips(): void {
    this.tips.clear();
  }

  /** Rejects everything queued (the store closes). */
  failAll(error: Error): void {
    for (const pending of this.queues.dropAll()) pending.reject(error);
    for (const pending of this.retry.splice(0)) pending.reject(error);
  }

  /** Rejects a topic's queued appends with `error`. */
  private rejectTopic(topic: string, error: unknown): void {
    for (const pending of this.queues.drop(topic)) pending.reject(error);
  }

  /** Sends queued records while the chain holds and the window has room, one per ready topic at a time. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const topic = this.queues.nextReady();
        if (topic === undefined || this.broken || this.inFlight.size >= (this.probing ? 1 : MAX_IN_FLIGHT)) break;
        try {
          this.ctx.usable();
        } catch (err) {
          this.rejectTopic(topic, err);
          continue;
        }
        let tip = this.tips.get(topic);
        if (tip === undefined) {
          if (this.inFlight.size > 0) break; // read the tip once the pipeline is idle
          try {
            const read = await this.ctx.readTip(topic);
            tip = { seq: read?.seq ?? 0, offset: read?.offset ?? 0, confirmed: true };
            this.remember(topic, tip);
          } catch (err) {
            this.rejectTopic(topic, unavailable(err));
            continue;
          }
          if (this.inFlight.size > 0 || this.broken || !this.queues.isReady(topic)) break;
        }
        this.send(this.takeRecord(topic), tip);
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Takes the topic's oldest queued appends into one record (jetstream-record.ts), up to
   * MAX_RECORD_MESSAGES and MAX_RECORD_BYTES; the topic is busy until the record settles. An
   * append with a message id goes alone: the server deduplicates per stored message.
   */
  private takeRecord(topic: string): Pending[] {
    const queue = this.queues.queued(topic);
    const head = queue[0] as Pending;
    let count = 1;
    if (head.msgId === undefined) {
      let bytes = framedSize(head);
      for (; count < queue.length && count < MAX_RECORD_MESSAGES; count++) {
        const next = queue[count] as Pending;
        bytes += framedSize(next);
        if (next.msgId !== undefined || bytes > MAX_RECORD_BYTES) break;
      }
    }
    return this.queues.take(topic, count);
  }

  private send(pendings: Pending[], tip: TopicTip): void {
    const previous = this.tail;
    const anchor = previous === null;
    const predictedSeq = (anchor ? this.lastSeq : previous.predictedSeq) + 1;
    const head = pendings[0] as Pending;
    const id = head.msgId ?? `${this.idPrefix}.${(this.nextId++).toString(36)}`;
    const sent: Sent = { pendings, anchor, id, predictedSeq, first: tip.offset + 1, epoch: this.ctx.epoch() };
    const h = headers();
    const framed = needsFraming(pendings);
    h.set(OFFSET, String(sent.first));
    if (framed) h.set(COUNT, String(pendings.length));
    else if (head.bytes) h.set(KIND, KIND_BYTES);
    h.set(PREV, String(tip.seq));
    h.set(EPOCH, sent.epoch);
    h.set(MSG_ID, id);
    if (!anchor) {
      h.set(EXPECTED_LAST_MSG_ID, previous.id);
      h.set(EXPECTED_LAST_SEQUENCE, String(previous.predictedSeq));
    }
    if (anchor || tip.confirmed) h.set(EXPECTED_LAST_SUBJECT_SEQUENCE, String(tip.seq));
    this.inFlight.add(sent);
    this.tail = sent;
    this.remember(head.topic, { seq: predictedSeq, offset: sent.first + pendings.length - 1, confirmed: false });
    const payload = framed ? encodeRecord(pendings) : head.payload;
    this.ctx.publish(this.ctx.subjectPrefix + head.topic, payload, h).then(
      (ack) => this.acked(sent, ack),
      (err: unknown) => {
        this.ctx.publishFailed(err);
        this.failed(sent, err);
      },
    );
  }

  private acked(sent: Sent, ack: PubAck): void {
    this.inFlight.delete(sent);
    const topic = (sent.pendings[0] as Pending).topic;
    this.queues.settled(topic, ack.duplicate ? 0 : sent.pendings.length);
    const last = sent.first + sent.pendings.length - 1;
    if (ack.duplicate) {
      // Nothing was stored (only a record of one, with a caller's id, can be a duplicate): the
      // predicted tip is wrong and followers sent behind this record fail their expectations;
      // break the chain so they are resequenced.
      this.broken = true;
      if (this.tips.get(topic)?.offset === last) this.tips.delete(topic);
      for (const pending of sent.pendings) pending.resolve({ offset: sent.first, epoch: sent.epoch, duplicateOf: ack.seq });
      this.settled();
      return;
    }
    if (ack.seq > this.lastSeq) this.lastSeq = ack.seq;
    this.probing = false;
    const tip = this.tips.get(topic);
    if (tip !== undefined && tip.offset === last) this.remember(topic, { seq: ack.seq, offset: last, confirmed: true });
    for (let i = 0; i < sent.pendings.length; i++) (sent.pendings[i] as Pending).resolve({ offset: sent.first + i, epoch: sent.epoch });
    this.settled();
  }

  private failed(sent: Sent, err: unknown): void {
    this.inFlight.delete(sent);
    this.queues.settled((sent.pendings[0] as Pending).topic, 0);
    this.broken = true;
    this.probing = true;
    const code = apiErrorCode(err);
    const lostRace = code === WRONG_LAST_SEQUENCE || code === WRONG_LAST_MSG_ID;
    for (const pending of sent.pendings) {
      // Only an anchor loses a race; a follower fails because the chain before it broke.
      if (sent.anchor || !lostRace) pending.attempts++;
      if ((lostRace || streamMissing(err)) && pending.attempts < MAX_ATTEMPTS) this.retry.push(pending);
      else if (lostRace) pending.reject(new HistoryUnavailableError(`append to ${pending.topic} lost ${MAX_ATTEMPTS} races in a row`));
      else pending.reject(unavailable(err));
    }
    this.settled();
  }

  /** Once nothing is in flight: after a broken chain, resequence and resend in call order. */
  private settled(): void {
    if (this.inFlight.size > 0) {
      if (!this.broken && this.queues.nextReady() !== undefined) void this.pump();
      return;
    }
    this.tail = null;
    if (this.broken) {
      // Unconfirmed tips were predictions of messages that failed.
      for (const [topic, tip] of this.tips) if (!tip.confirmed) this.tips.delete(topic);
      const again = this.retry.splice(0).sort((x, y) => x.order - y.order);
      const attempts = Math.max(0, ...again.map((p) => p.attempts));
      // Lost races: another writer appended; the anchor's check re-reads its view of the topic.
      for (const pending of again) this.tips.delete(pending.topic);
      // Back in front of their topics' queues, in call order.
      for (let i = again.length - 1; i >= 0; i--) this.queues.requeue(again[i] as Pending);
      const resume = () => {
        this.broken = false;
        void this.pump();
      };
      if (again.length === 0) {
        resume();
        return;
      }
      this.ctx
        .refreshEpoch()
        .catch(() => undefined)
        .then(() => (attempts > 2 ? sleep(Math.random() * attempts * 2) : undefined))
        .then(resume);
      return;
    }
    void this.pump();
  }

  private remember(topic: string, tip: TopicTip): void {
    this.tips.delete(topic);
    this.tips.set(topic, tip);
    if (this.tips.size > MAX_CACHED_TIPS) {
      for (const [oldest, old] of this.tips) {
        // Only confirmed tips may be forgotten: a predicted one is needed by its follower.
        if (old.confirmed) {
          this.tips.delete(oldest);
          break;
        }
      }
    }
  }
}

function unavailable(err: unknown): HistoryUnavailableError {
  if (err instanceof HistoryUnavailableError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new HistoryUnavailableError(`jetstream: ${message}`, { cause: err });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
