import { randomFillSync } from 'node:crypto';
import {
  type HistoryEntry,
  type HistoryLimits,
  type HistoryPage,
  HistoryUnavailableError,
  IdempotencyConflictError,
  type IdempotencyKey,
  type IdempotentTip,
  type PublishingHistoryStore,
  type StreamTip,
} from '@switchboard/history';
import type { MessageData } from '@switchboard/protocol';
import { AppendCoalescer } from './append-coalescer.js';
import {
  APPEND_SCRIPT,
  type AppendMessage,
  type AppendReply,
  type AppendSettings,
  appendArguments,
  type FrameTemplates,
  frameTemplates,
} from './append-script.js';
import { READ_SCRIPT, type ReadReply } from './read-script.js';
import {
  closeRedisClient,
  connectRedisClient,
  createRedisCommandClient,
  parseRedisUrl,
  type RedisClientTuning,
  type RedisCommandClient,
} from './redis-client.js';
import { type IdempotentAppendReply, idempotentAppendScript } from './redis-idempotency.js';
import { checkRedisPrefix, DEFAULT_REDIS_PREFIX, redisChannel, redisHistoryKeys, redisIdempotencyKey } from './redis-keys.js';
import { ReplicaWait } from './replica-wait.js';

export interface RedisHistoryOptions extends RedisClientTuning {
  /** Key and channel prefix (BUS_PREFIX); must be the bus's, default `sb`. */
  prefix?: string;
  /**
   * How long an idle topic keeps its offset counter and epoch (never less than the TTL).
   * After that its next message starts a new epoch at offset 1. Default 24 h.
   */
  sequenceRetentionMs?: number;
  /** How long `connect` waits for Redis before it rejects. Default 10000. */
  readyTimeoutMs?: number;
  /**
   * HISTORY_REPLICAS: servers that hold an append before it is acknowledged, the master plus
   * `replicas − 1` replicas confirmed with WAIT (see replica-wait.ts). Default 1 (no WAIT).
   */
  replicas?: number;
  /** Longest WAIT for those replicas; then the append is not acknowledged. Default 1000. */
  replicaWaitMs?: number;
}

interface Scripts {
  switchboardAppend(...args: Array<string | number | Buffer>): Promise<AppendReply>;
  /** The read script with Buffer replies (ioredis defines the `…Buffer` twin of every command). */
  switchboardReadBuffer(...args: Array<string | number>): Promise<ReadReply>;
  switchboardAppendOnce(...args: Array<string | number>): Promise<IdempotentAppendReply>;
}

/** Topics whose frame templates are kept (the cache is dropped whole when full). */
const MAX_CACHED_FRAMES = 10_000;

/** Random bytes drawn ahead for epochs: one `randomBytes` per 100 calls, not per call. */
const EPOCH_POOL = Buffer.alloc(5 * 100);
let epochPoolAt = EPOCH_POOL.length;

/**
 * A new epoch (time + 40 random bits), offered with every append call and taken only when the
 * call starts a sequence.
 */
function newEpoch(): string {
  if (epochPoolAt === EPOCH_POOL.length) {
    randomFillSync(EPOCH_POOL);
    epochPoolAt = 0;
  }
  epochPoolAt += 5;
  return `${Date.now().toString(36)}${EPOCH_POOL.toString('hex', epochPoolAt - 5, epochPoolAt)}`;
}

/**
 * History in Redis Streams, for `redis://` and `redis-cluster://`. Per topic: an INCR counter,
 * an epoch and a stream, all under the topic's hash tag (one slot, see redis-keys.ts). One Lua
 * script (append-script.ts) stores a message and publishes its `message` frame on the topic's
 * bus channel, so this is a PublishingHistoryStore: an ack means stored and sent, and offsets
 * are gap-free and ordered per topic (the shard runs one script at a time).
 *
 * Hot topics: appends are NOT chained in Node. The appends of a topic made in one event-loop
 * turn are stored by ONE script call at the end of the turn, and those made while the topic's
 * call is in flight by one call when it answers (append-coalescer.ts), written to the one
 * command connection at once; Redis runs one connection's scripts in the order they were sent,
 * so this process's appends to a topic get increasing offsets in call order: one topic's rate
 * is bound by Redis's script throughput (many messages per script run), not by the round trip. (ioredis auto-pipelining was tried
 * and is off: with it the Redis cluster test lost the tail of topics at the edges; not yet
 * understood.)
 */
export class RedisHistory implements PublishingHistoryStore {
  readonly kind: 'redis' | 'redis-cluster';
  readonly publishes = true;
  readonly deduplicates = true;
  private readonly prefix: string;
  private readonly retentionMs: number;
  private readonly appendSettings: AppendSettings;
  /** Acknowledges an append only once HISTORY_REPLICAS − 1 replicas hold it (WAIT). */
  private readonly replicaWait: ReplicaWait;
  private closed = false;
  private readonly coalescer = new AppendCoalescer((topic, messages) => this.appendNow(topic, messages));
  /** Frame templates of recent topics: computed once per topic, not per message. */
  private readonly frames = new Map<string, FrameTemplates>();

  private constructor(
    private readonly client: RedisCommandClient,
    cluster: boolean,
    private readonly limits: HistoryLimits,
    options: RedisHistoryOptions,
  ) {
    if (!(limits.size >= 1) || !(limits.ttlMs > 0)) throw new RangeError('history size and ttl must be positive');
    this.kind = cluster ? 'redis-cluster' : 'redis';
    this.prefix = checkRedisPrefix(options.prefix ?? DEFAULT_REDIS_PREFIX);
    this.retentionMs = Math.max(limits.ttlMs, options.sequenceRetentionMs ?? 86_400_000);
    this.replicaWait = new ReplicaWait(client, options.replicas ?? 1, options.replicaWaitMs);
    this.appendSettings = {
      size: limits.size,
      ttlMs: limits.ttlMs,
      retentionMs: this.retentionMs,
      publishCommand: cluster ? 'SPUBLISH' : 'PUBLISH',
    };
    client.defineCommand('switchboardAppend', { numberOfKeys: 3, lua: APPEND_SCRIPT });
    client.defineCommand('switchboardAppendOnce', { numberOfKeys: 4, lua: idempotentAppendScript(APPEND_SCRIPT) });
    client.defineCommand('switchboardRead', { numberOfKeys: 3, lua: READ_SCRIPT });
    client.on('error', () => undefined); // surfaced as rejected calls
  }

  /** Connects to `redis://…` or `redis-cluster://…`; rejects when Redis is not ready in time. */
  static async connect(url: string, limits: HistoryLimits, options: RedisHistoryOptions = {}): Promise<RedisHistory> {
    const target = parseRedisUrl(url);
    const client = createRedisCommandClient(target, { ...options, name: 'switchboard-history' });
    const store = new RedisHistory(client, target.cluster, limits, options);
    try {
      await connectRedisClient(client, options.readyTimeoutMs ?? 10_000, `${store.kind} history`);
    } catch (err) {
      throw new HistoryUnavailableError(`cannot connect the Redis history at ${url}: ${(err as Error).message}`, { cause: err });
    }
    return store;
  }

  append(topic: string, data: MessageData): Promise<StreamTip>;
  append(topic: string, data: MessageData, key?: IdempotencyKey, envelope?: Uint8Array): Promise<IdempotentTip>;
  // Not async: the hot path hands back the coalescer's promise itself (no wrapping promise per message).
  append(topic: string, data: MessageData, key?: IdempotencyKey, envelope?: Uint8Array): Promise<IdempotentTip> {
    const message: AppendMessage = { data, envelope: envelope !== undefined && envelope.length > 0 ? asBuffer(envelope) : undefined };
    if (key === undefined) return this.coalescer.add(topic, message);
    // After the topic's appends of this turn: offsets follow call order.
    this.coalescer.flush(topic);
    return this.appendOnce(topic, message, key);
  }

  /** One APPEND_SCRIPT call storing `messages` of `topic` (written to the connection at once). */
  private appendNow(topic: string, messages: AppendMessage[]): Promise<AppendReply> {
    const keys = redisHistoryKeys(this.prefix, topic);
    const args = appendArguments(keys, redisChannel(this.prefix, topic), this.framesOf(topic), messages, newEpoch(), this.appendSettings);
    return this.run(() => this.replicaWait.run<AppendReply>(keys.seq, 'switchboardAppend', args));
  }

  /** `append` with an idempotency key: checked and remembered inside the same script (redis-idempotency.ts). */
  private async appendOnce(topic: string, message: AppendMessage, key: IdempotencyKey): Promise<IdempotentTip> {
    const keys = redisHistoryKeys(this.prefix, topic);
    const idem = redisIdempotencyKey(this.prefix, topic, key.key);
    const args = appendArguments(keys, redisChannel(this.prefix, topic), this.framesOf(topic), [message], newEpoch(), this.appendSettings);
    const withKey = [...args.slice(0, 3), idem, ...args.slice(3), key.fingerprint, key.ttlMs];
    const [offset, epoch, outcome] = await this.run(() =>
      this.replicaWait.run<IdempotentAppendReply>(keys.seq, 'switchboardAppendOnce', withKey),
    );
    if (outcome === 2) throw new IdempotencyConflictError(topic, key.key);
    return outcome === 1 ? { offset, epoch, replayed: true } : { offset, epoch };
  }

  /** The frame templates of `topic`, cached for the hot topics. */
  private framesOf(topic: string): FrameTemplates {
    let frames = this.frames.get(topic);
    if (frames === undefined) {
      if (this.frames.size >= MAX_CACHED_FRAMES) this.frames.clear();
      frames = frameTemplates(topic);
      this.frames.set(topic, frames);
    }
    return frames;
  }

  async since(topic: string, offset: number, limit: number, epoch?: string): Promise<HistoryPage> {
    const [last, epochBytes, flat] = await this.read(topic, Math.max(0, offset), Math.max(0, limit), epoch ?? '');
    const current = epochBytes.toString();
    const messages: HistoryEntry[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) {
      const data = flat[i + 2] as Buffer;
      messages.push({ offset: Number(flat[i]), data: String(flat[i + 1]) === 'b' ? data : data.toString('utf8') });
    }
    const sameEpoch = epoch === undefined || epoch === current;
    const from = sameEpoch ? offset : 0;
    const nothingNewer = last <= from;
    const startsRight = messages[0]?.offset === from + 1;
    const complete = (sameEpoch || offset === 0) && (nothingNewer || startsRight);
    return { offset: last, epoch: current, messages, complete };
  }

  async tip(topic: string): Promise<StreamTip> {
    const [offset, epoch] = await this.read(topic, 0, 0, '');
    return { offset, epoch: epoch.toString() };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeRedisClient(this.client);
  }

  /** One READ_SCRIPT call (it gives a topic without a sequence its epoch). */
  private read(topic: string, after: number, limit: number, epoch: string): Promise<ReadReply> {
    const keys = redisHistoryKeys(this.prefix, topic);
    return this.run(() =>
      this.scripts.switchboardReadBuffer(
        keys.seq,
        keys.log,
        keys.epoch,
        after,
        limit,
        this.limits.ttlMs,
        epoch,
        newEpoch(),
        this.limits.ttlMs,
      ),
    );
  }

  private get scripts(): Scripts {
    return this.client as unknown as Scripts;
  }

  /** Runs a command; any failure (Redis unreachable, timeout) rejects as HistoryUnavailableError. */
  private async run<T>(command: () => Promise<T>): Promise<T> {
    if (this.closed) throw new HistoryUnavailableError('history store is closed');
    try {
      return await command();
    } catch (err) {
      throw new HistoryUnavailableError(`${this.kind} history: ${(err as Error).message}`, { cause: err });
    }
  }
}

const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
