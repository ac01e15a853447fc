import type { HistoryLimits, HistoryPage, IdempotencyKey, IdempotentTip, PublishingHistoryStore, StreamTip } from '@switchboard/history';
import { HistoryUnavailableError } from '@switchboard/history';
import type { MessageData } from '@switchboard/protocol';
import { ElectionGuard } from './election-guard.js';
import { JetStreamAppender } from './jetstream-append.js';
import { natsMsgId, replayOf } from './jetstream-idempotency.js';
import { apiErrorCode, epochOf, STREAM_NAME_IN_USE, STREAM_NOT_FOUND, streamMissing, subjectPrefixes } from './jetstream-names.js';
import { JetStreamPublisher } from './jetstream-publish.js';
import { type DirectGet, JetStreamReader, type Stored, WALK_LIMIT } from './jetstream-read.js';
import { watchStreamLeader } from './leader-watch.js';
import {
  adoptedSettings,
  adoptedSettingsDiffer,
  checkStreamSettings,
  type HistoryStreamConfig,
  historyStreamConfig,
  StreamSettingsError,
} from './stream-config.js';

export { epochOf } from './jetstream-names.js';

import { connect, ErrorCode, Events, type JetStreamManager, type NatsConnection, NatsError, type StreamInfo } from 'nats';

export interface JetStreamHistoryOptions {
  /** Subject prefix (BUS_PREFIX): messages live on `<prefix>.h.<topic>` in stream `<PREFIX>_HISTORY`. Default `sb`. */
  prefix?: string;
  /** Replicas of the stream when this store creates it (a JetStream cluster wants 3). Default 1. */
  replicas?: number;
  /** Longest wait for one JetStream request or one history read. Default 5000. */
  timeoutMs?: number;
  /** Longest wait for a publish ack. Default: 2000 with replicas > 1 (fail fast during an election), else `timeoutMs`. */
  ackTimeoutMs?: number;
  /** How often the stream's creation time (the epoch) is re-read in the background. Default 5000. */
  epochCheckMs?: number;
  /** Client name shown by the server's monitoring pages. */
  name?: string;
  /**
   * IDEMPOTENCY_TTL_MS: the stream's `duplicate_window` (at least DUPLICATE_WINDOW_MS), set when
   * this store creates or adopts the stream.
   */
  idempotencyTtlMs?: number;
}

/** Window of the stream's duplicate detection; the appender's message ids need none (see jetstream-append.ts). */
const DUPLICATE_WINDOW_MS = 1000;

/**
 * History in a JetStream stream, shared by every process that uses the same prefix.
 *
 * Layout: ONE stream `<PREFIX>_HISTORY` over `<prefix>.h.>`, one subject per topic, file storage,
 * `max_msgs_per_subject` = HISTORY_SIZE, discard old, and NO `max_age`.
 *
 * Offsets: JetStream sequences are stream-wide, so each message carries its per-topic offset in
 * the `Sb-Offset` header. `append` (jetstream-append.ts) knows the topic's last message (direct
 * get, then cached per topic) and publishes offset+1 under the server's optimistic-concurrency
 * checks: `Nats-Expected-Last-Subject-Sequence` for the first message of a pipeline, and the
 * previous message's id and predicted sequence for the ones pipelined behind it. A write the
 * server refuses (someone else appended in between) is resequenced and retried (bounded). The
 * stream is the one sequencer: offsets stay gap-free and unique across any number of api
 * processes, and one process's appends of a topic are numbered in call order without a round
 * trip each.
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
 * Records: one stored message may hold several consecutive messages of a topic (appends that
 * went out together, see jetstream-record.ts), so `max_msgs_per_subject` keeps HISTORY_SIZE
 * records, at least HISTORY_SIZE messages; reads return only the newest HISTORY_SIZE offsets,
 * as the other backends do.
 *
 * Reads: `since` reads the tip (direct get). A gap of at most WALK_LIMIT messages is read by
 * following each record's `Sb-Prev` header back (direct gets by sequence); a larger one through
 * a short-lived ephemeral push consumer filtered on the topic, starting at now − TTL and stopped
 * once it reached `min(tip, offset + limit)`. Both are bounded by `limit`, HISTORY_SIZE and
 * `timeoutMs`.
 */
export class JetStreamHistory implements PublishingHistoryStore {
  readonly kind = 'jetstream';
  readonly streamName: string;
  private readonly subjectPrefix: string;
  /** Where the stream republishes what it stored: the bus's subjects (NatsBus). */
  private readonly busPrefix: string;
  private currentEpoch = '';
  private epochCheckedAt = 0;
  private refreshing: Promise<void> | null = null;
  private readonly appender: JetStreamAppender;
  private readonly reader: JetStreamReader;
  private connected = true;
  private closed = false;
  private readonly checker: NodeJS.Timeout;
  private readonly timeoutMs: number;
  /** Longest wait for a JetStream publish ack (shorter on a replicated stream: see ElectionGuard). */
  private readonly ackTimeoutMs: number;
  /**
   * The appender's publishes (acks on this connection's own reply subjects). nats.js keeps a
   * request written to a server that then died waiting its full timeout, although the reply
   * can no longer come; so the publishes in flight are failed at once when the connection
   * drops or the stream leader changes, and the next ones go to the reconnected connection.
   */
  private readonly publisher: JetStreamPublisher;
  private stopLeaderWatch: () => void = () => undefined;
  /** Refuses appends at once while the stream elects a leader. */
  private readonly election: ElectionGuard;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly limits: HistoryLimits,
    private readonly options: JetStreamHistoryOptions,
  ) {
    const prefix = options.prefix ?? 'sb';
    this.subjectPrefix = subjectPrefixes(prefix).history;
    this.busPrefix = subjectPrefixes(prefix).bus;
    this.streamName = `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}_HISTORY`.toUpperCase();
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.ackTimeoutMs = options.ackTimeoutMs ?? ((options.replicas ?? 1) > 1 ? Math.min(2000, this.timeoutMs) : this.timeoutMs);
    this.election = new ElectionGuard(async () => {
      const info = await this.jsm.streams.info(this.streamName).catch((err: unknown) => {
        // Missing altogether: not an election; the next append recreates it.
        if (apiErrorCode(err) === STREAM_NOT_FOUND) return null;
        throw err;
      });
      return info === null || info.cluster === undefined || (info.cluster.leader ?? '') !== '';
    });
    const direct = (jsm as JetStreamManager & { direct?: DirectGet }).direct;
    if (direct === undefined) throw new Error('this nats.js has no direct get API');
    this.reader = new JetStreamReader({
      nc,
      jsm,
      direct,
      streamName: this.streamName,
      subjectPrefix: this.subjectPrefix,
      timeoutMs: this.timeoutMs,
    });
    this.publisher = new JetStreamPublisher(nc, this.ackTimeoutMs);
    this.appender = new JetStreamAppender({
      publish: (subject, payload, h) => this.publisher.publish(subject, payload, h),
      // A publish that timed out or found no leader puts the election guard on.
      publishFailed: (err) => void this.leaderless(err),
      subjectPrefix: this.subjectPrefix,
      epoch: () => this.currentEpoch,
      readTip: async (topic) => {
        const stored = await this.withStream(() => this.reader.last(topic));
        if (stored !== null) await this.checkEpoch(stored);
        return stored;
      },
      refreshEpoch: () => (this.election.electing ? Promise.resolve() : this.refreshEpoch(false)),
      usable: () => {
        this.usable();
        this.election.check();
      },
    });
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
      // No stack captured per request (an Error per publish, measurable on a hot topic).
      noAsyncTraces: true,
      maxPingOut: 2,
      timeout: options.timeoutMs ?? 5000,
    });
    try {
      const jsm = await nc.jetstreamManager({ timeout: options.timeoutMs ?? 5000 });
      const store = new JetStreamHistory(nc, jsm, limits, options);
      await store.refreshEpoch(true);
      store.watch();
      store.stopLeaderWatch = watchStreamLeader(nc, store.streamName, (event) => {
        store.publisher.failAll(
          new HistoryUnavailableError(`jetstream: stream ${event.toLowerCase().replace('_', ' ')} with the request in flight`),
        );
        if (event === 'LEADER_ELECTED') store.election.settle();
      });
      return store;
    } catch (err) {
      await nc.close().catch(() => undefined);
      if (err instanceof StreamSettingsError) throw err;
      // e.g. a server without JetStream (`-js`) answers 503 here.
      throw unavailable(err);
    }
  }

  /** The current epoch (as last read from the stream). */
  get epoch(): string {
    return this.currentEpoch;
  }

  readonly deduplicates = true;
  /** The stream republishes every stored record on the bus's subjects (see the class comment). */
  readonly publishes = true;

  /** Pipelined: see jetstream-append.ts. With a key: JetStream's message-id deduplication (jetstream-idempotency.ts). */
  append(topic: string, data: MessageData): Promise<StreamTip>;
  append(topic: string, data: MessageData, key?: IdempotencyKey, envelope?: Uint8Array): Promise<IdempotentTip>;
  async append(topic: string, data: MessageData, key?: IdempotencyKey, envelope?: Uint8Array): Promise<IdempotentTip> {
    if (key === undefined) return this.appender.append(topic, data, undefined, envelope);
    const outcome = await this.appender.append(topic, data, natsMsgId(topic, key.key), envelope);
    if (outcome.duplicateOf === undefined) return { offset: outcome.offset, epoch: outcome.epoch };
    let original: Awaited<ReturnType<JetStreamReader['bySeq']>>;
    try {
      original = await this.reader.bySeq(outcome.duplicateOf);
    } catch (err) {
      throw unavailable(err);
    }
    // A keyed append is stored alone (a record of one), so the original is the record's message.
    const message = original?.entries[0];
    return replayOf(
      topic,
      key.key,
      data,
      original === null || message === undefined ? null : { offset: message.offset, epoch: original.epoch, data: message.data },
      this.currentEpoch,
    );
  }

  async since(topic: string, offset: number, limit: number, epoch?: string): Promise<HistoryPage> {
    this.usable();
    try {
      const tip = await this.withStream(() => this.reader.last(topic));
      if (tip !== null) await this.checkEpoch(tip);
      const current = this.currentEpoch;
      const sameEpoch = epoch === undefined || epoch === current;
      const from = sameEpoch ? offset : 0;
      const canBeComplete = sameEpoch || offset === 0;
      const last = tip?.offset ?? 0;
      if (tip === null || last <= from) return { offset: last, epoch: current, messages: [], complete: canBeComplete };
      const cutoff = Date.now() - this.limits.ttlMs;
      if (limit <= 0 || tip.timeMs < cutoff) return { offset: last, epoch: current, messages: [], complete: false };
      // The topic keeps HISTORY_SIZE records, and a record may hold several messages: offsets
      // older than the newest HISTORY_SIZE count as evicted, as on every backend.
      const kept = Math.max(from, last - this.limits.size);
      const messages =
        last - kept <= WALK_LIMIT
          ? await this.reader.walkBack(tip, kept, cutoff)
          : await this.reader.readForward(topic, kept, Math.min(last, kept + limit), cutoff);
      if (messages.length > limit) messages.length = limit;
      return { offset: last, epoch: current, messages, complete: canBeComplete && messages[0]?.offset === from + 1 };
    } catch (err) {
      throw unavailable(err);
    }
  }

  async tip(topic: string): Promise<StreamTip> {
    this.usable();
    try {
      const tip = await this.withStream(() => this.reader.last(topic));
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
    this.stopLeaderWatch();
    this.appender.failAll(new HistoryUnavailableError('history store is closed'));
    this.publisher.close(new HistoryUnavailableError('history store is closed'));
    this.appender.clearTips();
    if (!this.nc.isClosed()) await this.nc.close().catch(() => undefined);
  }

  /** Runs `read`; when the stream is missing, recreates it (new epoch) and runs it once more. */
  private async withStream<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (this.leaderless(err) || !streamMissing(err)) throw err;
      await this.refreshEpoch(false);
      return read();
    }
  }

  /**
   * No answer, or (replicated stream) no responder: the stream leader may be gone. Tells the
   * election guard, which refuses appends at once until a leader serves again (a replicated
   * stream is not recreated on "no responders": it is electing, not missing).
   */
  private leaderless(err: unknown): boolean {
    const timeout = err instanceof NatsError && err.code === ErrorCode.Timeout;
    const replicated = (this.options.replicas ?? 1) > 1;
    if (!timeout && !(replicated && err instanceof NatsError && err.code === '503')) return false;
    this.election.suspect();
    return true;
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
      if (adopt) checkStreamSettings(info, this.options.replicas ?? 1);
      const wanted = this.streamConfig();
      if (adopt && adoptedSettingsDiffer(info.config, wanted))
        info = await this.jsm.streams.update(this.streamName, { ...info.config, ...adoptedSettings(wanted) });
      const epoch = epochOf(info.created);
      // Another stream: every cached tip belongs to the old one.
      if (epoch !== this.currentEpoch) this.appender.clearTips();
      this.currentEpoch = epoch;
      this.epochCheckedAt = Date.now();
    };
    const refreshing = run().finally(() => {
      this.refreshing = null;
    });
    this.refreshing = refreshing;
    return refreshing;
  }

  private streamConfig(): HistoryStreamConfig {
    return historyStreamConfig({
      name: this.streamName,
      subjectPrefix: this.subjectPrefix,
      republishPrefix: this.busPrefix,
      limits: this.limits,
      replicas: this.options.replicas ?? 1,
      duplicateWindowMs: Math.max(DUPLICATE_WINDOW_MS, this.options.idempotencyTtlMs ?? 0),
    });
  }

  usable(): void {
    if (this.closed) throw new HistoryUnavailableError('history store is closed');
    if (!this.connected) throw new HistoryUnavailableError('NATS is unreachable (reconnecting)');
  }

  private watch(): void {
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === Events.Disconnect) {
          this.connected = false;
          this.publisher.failAll(new HistoryUnavailableError('NATS connection lost with the request in flight'));
        } else if (status.type === Events.Reconnect) this.connected = true;
      }
    })();
  }
}

function unavailable(err: unknown): HistoryUnavailableError {
  if (err instanceof HistoryUnavailableError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new HistoryUnavailableError(`jetstream: ${message}`, { cause: err });
}
