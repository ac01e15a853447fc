import type { HistoryEntry, HistoryLimits, HistoryPage, HistoryStore, StreamTip } from '@switchboard/history';
import { HistoryUnavailableError } from '@switchboard/history';
import {
  AckPolicy,
  connect,
  createInbox,
  DeliverPolicy,
  DiscardPolicy,
  Events,
  headers,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  NatsError,
  nanos,
  RetentionPolicy,
  StorageType,
  type StoredMsg,
  type StreamConfig,
  type StreamInfo,
} from 'nats';

export interface JetStreamHistoryOptions {
  /** Subject prefix (BUS_PREFIX): messages live on `<prefix>.h.<topic>` in stream `<PREFIX>_HISTORY`. Default `sb`. */
  prefix?: string;
  /** Replicas of the stream when this store creates it (a JetStream cluster wants 3). Default 1. */
  replicas?: number;
  /** Longest wait for one JetStream request or one history read. Default 5000. */
  timeoutMs?: number;
  /** How often the stream's creation time (the epoch) is re-read in the background. Default 5000. */
  epochCheckMs?: number;
  /** Client name shown by the server's monitoring pages. */
  name?: string;
}

/** Headers every stored message carries. */
const OFFSET = 'Sb-Offset';
/** Stream sequence of the topic's previous message (0 for the first), checked by the server at append. */
const PREV = 'Sb-Prev';
/** The epoch the writer believed in; a reader that sees another one re-reads the stream's epoch. */
const EPOCH = 'Sb-Epoch';

/**
 * A gap this small is read by following `Sb-Prev` back from the tip: direct gets are stateless
 * for the server (any replica answers); an ephemeral consumer costs about 5 of them in time.
 */
const WALK_LIMIT = 6;
/** Appends that lose the race against another process retry this often before giving up. */
const MAX_ATTEMPTS = 20;
/** Per-topic tips cached by one store (the oldest is forgotten first; it is re-read when needed). */
const MAX_CACHED_TIPS = 100_000;

/** JetStream API error codes (nats-server `errors.json`). */
const WRONG_LAST_SEQUENCE = 10071;
const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;

/** nats.js's direct-get API: on the manager object, but not (yet) in its exported types. */
interface DirectGet {
  getMessage(stream: string, query: { seq: number } | { last_by_subj: string }): Promise<StoredMsg>;
}

interface Tip {
  /** Stream sequence of the topic's newest message (0: none). */
  seq: number;
  offset: number;
}

interface Stored extends Tip {
  prev: number;
  epoch: string | undefined;
  timeMs: number;
  data: string;
}

/**
 * History in a JetStream stream, shared by every process that uses the same prefix.
 *
 * Layout: ONE stream `<PREFIX>_HISTORY` over `<prefix>.h.>`, one subject per topic, file storage,
 * `max_msgs_per_subject` = HISTORY_SIZE, discard old, and NO `max_age`.
 *
 * Offsets: JetStream sequences are stream-wide, so each message carries its per-topic offset in
 * the `Sb-Offset` header. `append` reads the topic's last message (direct get, then cached per
 * topic), and publishes offset+1 with `Nats-Expected-Last-Subject-Sequence` = that message's
 * stream sequence. The server refuses the write if anyone appended to the topic in between; the
 * store then re-reads the tip and retries (bounded). This is optimistic concurrency with the
 * stream as the one sequencer: offsets stay gap-free and unique across any number of api
 * processes. Appends of one topic inside one store are chained, so they never race each other.
 *
 * Why no `max_age`: if JetStream expired a topic's last message, the topic would look empty and
 * its offsets would restart at 1 inside the same epoch, so a client holding `{offset: k}` would
 * silently miss messages. Instead the last message of a topic is only ever evicted by newer
 * ones (size), so the offset counter lives as long as the stream; HISTORY_TTL_MS is applied when
 * reading (messages whose server timestamp is older are not returned, and the page is then not
 * complete). Cost: an idle topic keeps up to HISTORY_SIZE messages on disk until the stream is
 * purged; `jsm.streams.purge(stream, { filter: subject, keep: 1 })` frees all but the tip of a
 * topic without breaking its offsets.
 *
 * Epoch: the stream's creation time (stream info `created`, in nanoseconds, base 36). A
 * recreated stream or a wiped server gives a new epoch; a server restart with its data keeps it.
 * The store re-reads it when the stream is missing (and recreates it), after a lost append race,
 * when a message carries another `Sb-Epoch`, and every `epochCheckMs` in the background.
 *
 * Reads: `since` reads the tip (direct get). A gap of at most WALK_LIMIT messages is read by
 * following each message's `Sb-Prev` header back (direct gets by sequence); a larger one through
 * a short-lived ephemeral push consumer filtered on the topic, starting at now − TTL and stopped
 * once it reached `min(tip, offset + limit)`. Both are bounded by `limit`, HISTORY_SIZE and
 * `timeoutMs`.
 */
export class JetStreamHistory implements HistoryStore {
  readonly kind = 'jetstream';
  readonly streamName: string;
  private readonly subjectPrefix: string;
  private readonly js: JetStreamClient;
  private currentEpoch = '';
  private epochCheckedAt = 0;
  private refreshing: Promise<void> | null = null;
  private readonly tips = new Map<string, Tip>();
  private readonly tails = new Map<string, Promise<unknown>>();
  private connected = true;
  private closed = false;
  private readonly checker: NodeJS.Timeout;
  private readonly timeoutMs: number;
  private readonly direct: DirectGet;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly limits: HistoryLimits,
    private readonly options: JetStreamHistoryOptions,
  ) {
    const prefix = options.prefix ?? 'sb';
    this.subjectPrefix = `${prefix}.h.`;
    this.streamName = `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}_HISTORY`.toUpperCase();
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.js = nc.jetstream({ timeout: this.timeoutMs });
    const direct = (jsm as JetStreamManager & { direct?: DirectGet }).direct;
    if (direct === undefined) throw new Error('this nats.js has no direct get API');
    this.direct = direct;
    this.checker = setInterval(() => {
      if (this.connected && !this.closed) this.refreshEpoch(false).catch(() => undefined);
    }, options.epochCheckMs ?? 5000);
    this.checker.unref();
  }

  /** Connects, creates the stream if missing (or adopts this process's HISTORY_SIZE), reads the epoch. */
  static async connect(url: string, limits: HistoryLimits, options: JetStreamHistoryOptions = {}): Promise<JetStreamHistory> {
    if (!(limits.size >= 1) || !(limits.ttlMs > 0)) throw new RangeError('history size and ttl must be positive');
    const nc = await connect({
      servers: url
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
      name: options.name,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 250,
      pingInterval: 5000,
      maxPingOut: 2,
      timeout: options.timeoutMs ?? 5000,
    });
    try {
      const jsm = await nc.jetstreamManager({ timeout: options.timeoutMs ?? 5000 });
      const store = new JetStreamHistory(nc, jsm, limits, options);
      await store.refreshEpoch(true);
      store.watch();
      return store;
    } catch (err) {
      await nc.close().catch(() => undefined);
      // e.g. a server without JetStream (`-js`) answers 503 here.
      throw unavailable(err);
    }
  }

  /** The current epoch (as last read from the stream). */
  get epoch(): string {
    return this.currentEpoch;
  }

  append(topic: string, data: string): Promise<StreamTip> {
    const previous = this.tails.get(topic);
    const step = (async () => {
      if (previous !== undefined) await previous.catch(() => undefined);
      return this.appendNow(topic, data);
    })();
    this.tails.set(topic, step);
    const forget = () => {
      if (this.tails.get(topic) === step) this.tails.delete(topic);
    };
    step.then(forget, forget);
    return step;
  }

  async since(topic: string, offset: number, limit: number, epoch?: string): Promise<HistoryPage> {
    this.usable();
    try {
      const tip = await this.withStream(() => this.last(topic));
      if (tip !== null) await this.checkEpoch(tip);
      const current = this.currentEpoch;
      const sameEpoch = epoch === undefined || epoch === current;
      const from = sameEpoch ? offset : 0;
      const canBeComplete = sameEpoch || offset === 0;
      const last = tip?.offset ?? 0;
      if (tip === null || last <= from) return { offset: last, epoch: current, messages: [], complete: canBeComplete };
      const cutoff = Date.now() - this.limits.ttlMs;
      if (limit <= 0 || tip.timeMs < cutoff) return { offset: last, epoch: current, messages: [], complete: false };
      const messages =
        last - from <= WALK_LIMIT
          ? await this.walkBack(tip, from, cutoff)
          : await this.readForward(topic, from, Math.min(last, from + limit), cutoff);
      if (messages.length > limit) messages.length = limit;
      return { offset: last, epoch: current, messages, complete: canBeComplete && messages[0]?.offset === from + 1 };
    } catch (err) {
      throw unavailable(err);
    }
  }

  async tip(topic: string): Promise<StreamTip> {
    this.usable();
    try {
      const tip = await this.withStream(() => this.last(topic));
      if (tip !== null) await this.checkEpoch(tip);
      return { offset: tip?.offset ?? 0, epoch: this.currentEpoch };
    } catch (err) {
      throw unavailable(err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.checker);
    this.tips.clear();
    if (!this.nc.isClosed()) await this.nc.close().catch(() => undefined);
  }

  private async appendNow(topic: string, data: string): Promise<StreamTip> {
    this.usable();
    const subject = this.subjectPrefix + topic;
    const payload = Buffer.from(data, 'utf8');
    try {
      for (let attempt = 1; ; attempt++) {
        let tip = this.tips.get(topic);
        if (tip === undefined) {
          const stored = await this.withStream(() => this.last(topic));
          if (stored !== null) await this.checkEpoch(stored);
          tip = stored ?? { seq: 0, offset: 0 };
        }
        const epoch = this.currentEpoch;
        const offset = tip.offset + 1;
        const h = headers();
        h.set(OFFSET, String(offset));
        h.set(PREV, String(tip.seq));
        h.set(EPOCH, epoch);
        try {
          const ack = await this.js.publish(subject, payload, { headers: h, expect: { lastSubjectSequence: tip.seq } });
          this.remember(topic, { seq: ack.seq, offset });
          return { offset, epoch };
        } catch (err) {
          this.tips.delete(topic);
          if (apiErrorCode(err) === WRONG_LAST_SEQUENCE && attempt < MAX_ATTEMPTS) {
            // Another process appended first (or the stream was recreated): re-read tip and epoch.
            await this.refreshEpoch(false);
            if (attempt > 2) await sleep(Math.random() * attempt * 2);
            continue;
          }
          if (streamMissing(err) && attempt < MAX_ATTEMPTS) {
            await this.refreshEpoch(false);
            continue;
          }
          if (apiErrorCode(err) === WRONG_LAST_SEQUENCE)
            throw new HistoryUnavailableError(`append to ${topic} lost ${MAX_ATTEMPTS} races in a row`);
          throw err;
        }
      }
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** The topic's newest message, or null when it has none. */
  private async last(topic: string): Promise<Stored | null> {
    try {
      return toStored(await this.direct.getMessage(this.streamName, { last_by_subj: this.subjectPrefix + topic }));
    } catch (err) {
      if (err instanceof NatsError && err.code === '404') return null;
      throw err;
    }
  }

  private async bySeq(seq: number): Promise<Stored | null> {
    try {
      return toStored(await this.direct.getMessage(this.streamName, { seq }));
    } catch (err) {
      if (err instanceof NatsError && err.code === '404') return null;
      throw err;
    }
  }

  /** Messages after `from`, newest known first in the chain: follows `Sb-Prev` from the tip. */
  private async walkBack(tip: Stored, from: number, cutoff: number): Promise<HistoryEntry[]> {
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
  private async readForward(topic: string, from: number, target: number, cutoff: number): Promise<HistoryEntry[]> {
    const messages: HistoryEntry[] = [];
    const inbox = createInbox();
    let finish: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const sub = this.nc.subscribe(inbox, {
      callback: (err, msg) => {
        if (err !== null || msg.headers === undefined) return;
        const offset = Number(msg.headers.get(OFFSET));
        if (!(offset > from)) return;
        if (offset <= (messages[messages.length - 1]?.offset ?? from)) return;
        messages.push({ offset, data: Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength).toString('utf8') });
        if (offset >= target) finish();
      },
    });
    let consumer: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const info = await this.jsm.consumers.add(this.streamName, {
        deliver_subject: inbox,
        filter_subject: this.subjectPrefix + topic,
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
            () => reject(new HistoryUnavailableError(`history read of ${topic} took over ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
      sub.unsubscribe();
      if (consumer !== undefined) this.jsm.consumers.delete(this.streamName, consumer).catch(() => undefined);
    }
    return messages;
  }

  /** Runs `read`; when the stream is missing, recreates it (new epoch) and runs it once more. */
  private async withStream<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (!streamMissing(err)) throw err;
      await this.refreshEpoch(false);
      return read();
    }
  }

  /** A message written under another epoch than ours: our view of the stream may be stale. */
  private async checkEpoch(stored: Stored): Promise<void> {
    if (stored.epoch === undefined || stored.epoch === this.currentEpoch) return;
    if (Date.now() - this.epochCheckedAt < 1000) return;
    await this.refreshEpoch(false);
  }

  /**
   * Reads the stream (creating it when missing) and its epoch. With `adopt` (at connect) the
   * stream's size limit is set to this process's HISTORY_SIZE: the latest started process wins.
   */
  private refreshEpoch(adopt: boolean): Promise<void> {
    if (this.refreshing !== null) return this.refreshing;
    const run = async () => {
      let info: StreamInfo;
      try {
        info = await this.jsm.streams.info(this.streamName);
      } catch (err) {
        if (apiErrorCode(err) !== STREAM_NOT_FOUND) throw err;
        try {
          info = await this.jsm.streams.add(this.streamConfig());
        } catch (addErr) {
          // Another process created it at the same moment (maybe with other limits).
          if (apiErrorCode(addErr) !== STREAM_NAME_IN_USE) throw addErr;
          info = await this.jsm.streams.info(this.streamName);
        }
      }
      const maxBytes = this.limits.maxBytes ?? -1;
      if (
        adopt &&
        (info.config.max_msgs_per_subject !== this.limits.size || info.config.allow_direct !== true || info.config.max_bytes !== maxBytes)
      ) {
        info = await this.jsm.streams.update(this.streamName, {
          ...info.config,
          max_msgs_per_subject: this.limits.size,
          max_bytes: maxBytes,
          allow_direct: true,
        });
      }
      const epoch = epochOf(info.created);
      // Another stream: every cached tip belongs to the old one.
      if (epoch !== this.currentEpoch) this.tips.clear();
      this.currentEpoch = epoch;
      this.epochCheckedAt = Date.now();
    };
    const refreshing = run().finally(() => {
      this.refreshing = null;
    });
    this.refreshing = refreshing;
    return refreshing;
  }

  private streamConfig(): Partial<StreamConfig> {
    return {
      name: this.streamName,
      subjects: [`${this.subjectPrefix}>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_msgs_per_subject: this.limits.size,
      // HISTORY_MAX_BYTES: the stream drops its oldest messages (any topic) past it.
      max_bytes: this.limits.maxBytes ?? -1,
      max_age: 0,
      num_replicas: this.options.replicas ?? 1,
      allow_direct: true,
    };
  }

  private remember(topic: string, tip: Tip): void {
    this.tips.delete(topic);
    this.tips.set(topic, tip);
    if (this.tips.size > MAX_CACHED_TIPS) {
      const oldest = this.tips.keys().next().value;
      if (oldest !== undefined) this.tips.delete(oldest);
    }
  }

  private usable(): void {
    if (this.closed) throw new HistoryUnavailableError('history store is closed');
    if (!this.connected) throw new HistoryUnavailableError('NATS is unreachable (reconnecting)');
  }

  private watch(): void {
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === Events.Disconnect) this.connected = false;
        else if (status.type === Events.Reconnect) this.connected = true;
      }
    })();
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
    data: Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).toString('utf8'),
  };
}

/** Stream `created` (RFC 3339 with up to nanoseconds) as nanoseconds since 1970, base 36. */
export function epochOf(created: string): string {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(created);
  const ms = match === null ? Number.NaN : Date.parse(`${match[1]}${match[3]}`);
  if (match === null || Number.isNaN(ms)) return created.replace(/[^0-9A-Za-z]/g, '');
  const fraction = BigInt((match[2] ?? '').padEnd(9, '0'));
  return (BigInt(ms) * 1_000_000n + fraction).toString(36);
}

function apiErrorCode(err: unknown): number | undefined {
  return err instanceof NatsError ? err.api_error?.err_code : undefined;
}

/** No stream listens (no responders) or the API says it does not exist. */
function streamMissing(err: unknown): boolean {
  return (err instanceof NatsError && err.code === '503') || apiErrorCode(err) === STREAM_NOT_FOUND;
}

function unavailable(err: unknown): HistoryUnavailableError {
  if (err instanceof HistoryUnavailableError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new HistoryUnavailableError(`jetstream: ${message}`, { cause: err });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
