import { randomBytes } from 'node:crypto';
import {
  type HistoryEntry,
  type HistoryLimits,
  type HistoryPage,
  HistoryUnavailableError,
  type PublishingHistoryStore,
  type StreamTip,
} from '@switchboard/history';
import { APPEND_SCRIPT, type AppendReply, type AppendSettings, appendArguments } from './append-script.js';
import { READ_SCRIPT, type ReadReply } from './read-script.js';
import {
  closeRedisClient,
  connectRedisClient,
  createRedisCommandClient,
  parseRedisUrl,
  type RedisClientTuning,
  type RedisCommandClient,
} from './redis-client.js';
import { checkRedisPrefix, DEFAULT_REDIS_PREFIX, redisChannel, redisHistoryKeys } from './redis-keys.js';

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
}

interface Scripts {
  switchboardAppend(...args: Array<string | number | Buffer>): Promise<AppendReply>;
  switchboardRead(...args: Array<string | number>): Promise<ReadReply>;
}

const newEpoch = () => `${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;

/**
 * History in Redis Streams, for `redis://` and `redis-cluster://`. Per topic: an INCR counter,
 * an epoch and a stream, all under the topic's hash tag (one slot, see redis-keys.ts). One Lua
 * script (append-script.ts) stores a message and publishes its `message` frame on the topic's
 * bus channel, so this is a PublishingHistoryStore: an ack means stored and sent, and offsets
 * are gap-free and ordered per topic (the shard runs one script at a time).
 *
 * Hot topics: appends are NOT chained in Node. The command connection auto-pipelines (every
 * call of one event-loop turn leaves in one write) and Redis runs one connection's scripts in
 * the order they were sent, so this process's appends to a topic get increasing offsets in
 * call order without waiting for each other's replies: one topic's rate is bound by Redis's
 * script throughput, not by the round trip.
 */
export class RedisHistory implements PublishingHistoryStore {
  readonly kind: 'redis' | 'redis-cluster';
  readonly publishes = true;
  private readonly prefix: string;
  private readonly retentionMs: number;
  private readonly appendSettings: AppendSettings;
  private closed = false;

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
    this.appendSettings = {
      size: limits.size,
      ttlMs: limits.ttlMs,
      retentionMs: this.retentionMs,
      publishCommand: cluster ? 'SPUBLISH' : 'PUBLISH',
    };
    client.defineCommand('switchboardAppend', { numberOfKeys: 3, lua: APPEND_SCRIPT });
    client.defineCommand('switchboardRead', { numberOfKeys: 3, lua: READ_SCRIPT });
    client.on('error', () => undefined); // surfaced as rejected calls
  }

  /** Connects to `redis://…` or `redis-cluster://…`; rejects when Redis is not ready in time. */
  static async connect(url: string, limits: HistoryLimits, options: RedisHistoryOptions = {}): Promise<RedisHistory> {
    const target = parseRedisUrl(url);
    const client = createRedisCommandClient(target, { ...options, name: 'switchboard-history', autoPipelining: true });
    const store = new RedisHistory(client, target.cluster, limits, options);
    try {
      await connectRedisClient(client, options.readyTimeoutMs ?? 10_000, `${store.kind} history`);
    } catch (err) {
      throw new HistoryUnavailableError(`cannot connect the Redis history at ${url}: ${(err as Error).message}`, { cause: err });
    }
    return store;
  }

  async append(topic: string, data: string, envelope?: Uint8Array): Promise<StreamTip> {
    const keys = redisHistoryKeys(this.prefix, topic);
    const args: Array<string | number | Buffer> = appendArguments(
      keys,
      redisChannel(this.prefix, topic),
      topic,
      data,
      newEpoch(),
      this.appendSettings,
    );
    // The bus envelope goes before the frame head (ARGV[8], third from last): Lua strings are bytes.
    if (envelope !== undefined && envelope.length > 0) {
      const at = args.length - 3;
      args[at] = Buffer.concat([envelope, Buffer.from(String(args[at]))]);
    }
    const [offset, epoch] = await this.run(() => this.scripts.switchboardAppend(...args));
    return { offset, epoch };
  }

  async since(topic: string, offset: number, limit: number, epoch?: string): Promise<HistoryPage> {
    const [last, current, flat] = await this.read(topic, Math.max(0, offset), Math.max(0, limit), epoch ?? '');
    const messages: HistoryEntry[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) messages.push({ offset: Number(flat[i]), data: String(flat[i + 1]) });
    const sameEpoch = epoch === undefined || epoch === current;
    const from = sameEpoch ? offset : 0;
    const nothingNewer = last <= from;
    const startsRight = messages[0]?.offset === from + 1;
    const complete = (sameEpoch || offset === 0) && (nothingNewer || startsRight);
    return { offset: last, epoch: current, messages, complete };
  }

  async tip(topic: string): Promise<StreamTip> {
    const [offset, epoch] = await this.read(topic, 0, 0, '');
    return { offset, epoch };
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
      this.scripts.switchboardRead(keys.seq, keys.log, keys.epoch, after, limit, this.limits.ttlMs, epoch, newEpoch(), this.limits.ttlMs),
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
