import { randomBytes } from 'node:crypto';
import type { HistoryEntry, HistoryLimits, HistoryPage, HistoryStore, StreamTip } from '@switchboard/history';
import { HistoryUnavailableError } from '@switchboard/history';
import { encodeMessageFrame } from '@switchboard/protocol';
import {
  closeRedisClient,
  connectRedisClient,
  createRedisCommandClient,
  parseRedisUrl,
  type RedisClientTuning,
  type RedisCommandClient,
} from './redis-client.js';
import { checkRedisPrefix, DEFAULT_REDIS_PREFIX, redisChannel, redisHistoryKeys } from './redis-keys.js';

/**
 * The epoch `tip` and `since` report for a topic without a sequence (never published, or
 * expired). Its first message starts a new epoch with another name; the SDK and the conformance
 * suite treat offset 0 as "from the start" whatever the epoch.
 */
export const REDIS_EMPTY_EPOCH = 'empty';

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

/**
 * Appends one message and publishes it, atomically.
 * KEYS: seq, log, epoch. ARGV: data, new epoch, size, ttl ms, retention ms, channel,
 * publish command (PUBLISH | SPUBLISH), frame head, frame middle, frame tail.
 *
 * The offset comes from INCR; offset 1 (or a lost epoch key) starts a new sequence with a new
 * epoch, and any log left from an older one goes. The entry id is `<offset>-0`, so `since` is a
 * range read. The log lives `ttl` after the last append (older entries are dead anyway); seq and
 * epoch expire together after `retention`. The published bytes are exactly
 * `encodeMessageFrame(topic, offset, data)`.
 */
const APPEND = `
local offset = redis.call('INCR', KEYS[1])
local epoch = false
if offset > 1 then epoch = redis.call('GET', KEYS[3]) end
if not epoch then
  if offset ~= 1 then
    offset = 1
    redis.call('SET', KEYS[1], 1)
  end
  epoch = ARGV[2]
  redis.call('SET', KEYS[3], epoch)
  redis.call('DEL', KEYS[2])
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local id = string.format('%d', offset)
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[3], id .. '-0', 'd', ARGV[1], 't', string.format('%d', now))
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[3], ARGV[5])
redis.call(ARGV[7], ARGV[6], ARGV[8] .. id .. ARGV[9] .. ARGV[1] .. ARGV[10])
return {offset, epoch}
`;

/**
 * Reads the live entries after an offset. KEYS: seq, log, epoch. ARGV: after, limit, ttl ms,
 * asked epoch ('' = none). Another epoch than the current one reads from the start. Returns
 * {last offset, epoch ('' when none), {offset, data, offset, data, …}}.
 */
const SINCE = `
local epoch = redis.call('GET', KEYS[3])
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
if not epoch or last == 0 then return {0, '', {}} end
local after = tonumber(ARGV[1])
if ARGV[4] ~= '' and ARGV[4] ~= epoch then after = 0 end
local time = redis.call('TIME')
local cutoff = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) - tonumber(ARGV[3])
local left = tonumber(ARGV[2])
local out = {}
local from = after + 1
while left > 0 do
  local batch = redis.call('XRANGE', KEYS[2], string.format('%d', from) .. '-0', '+', 'COUNT', left)
  if #batch == 0 then break end
  for i = 1, #batch do
    local entry = batch[i]
    local offset = tonumber(string.match(entry[1], '^%d+'))
    local fields = entry[2]
    if tonumber(fields[4]) > cutoff then
      out[#out + 1] = offset
      out[#out + 1] = fields[2]
      left = left - 1
    end
    from = offset + 1
  end
end
return {last, epoch, out}
`;

type AppendReply = [number, string];
type SinceReply = [number, string, Array<number | string>];

interface Scripts {
  switchboardAppend(...args: Array<string | number>): Promise<AppendReply>;
  switchboardSince(...args: Array<string | number>): Promise<SinceReply>;
}

/** The template of the `message` frame around the offset and the data, from the encoder itself. */
function frameParts(topic: string): [head: string, middle: string, tail: string] {
  const probe = encodeMessageFrame(topic, 0, '\u0001');
  const dataAt = probe.lastIndexOf('\u0001');
  const beforeData = probe.slice(0, dataAt);
  const offsetAt = beforeData.lastIndexOf('0');
  return [beforeData.slice(0, offsetAt), beforeData.slice(offsetAt + 1), probe.slice(dataAt + 1)];
}

const newEpoch = () => `${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;

/**
 * History in Redis Streams, for `redis://` and `redis-cluster://`. Per topic: an INCR counter,
 * an epoch and a stream, all under the topic's hash tag (one slot, see redis-keys.ts). One Lua
 * script stores a message and publishes its `message` frame on the topic's bus channel, so
 * `publishes` is true: an ack means stored and sent, and offsets are gap-free and ordered per
 * topic (the shard runs one script at a time).
 */
export class RedisHistory implements HistoryStore {
  readonly kind: 'redis' | 'redis-cluster';
  readonly publishes = true;
  private readonly prefix: string;
  private readonly retentionMs: number;
  private readonly publishCommand: 'PUBLISH' | 'SPUBLISH';
  private closed = false;

  private constructor(
    private readonly client: RedisCommandClient,
    cluster: boolean,
    private readonly limits: HistoryLimits,
    options: RedisHistoryOptions,
  ) {
    if (!(limits.size >= 1) || !(limits.ttlMs > 0)) throw new RangeError('history size and ttl must be positive');
    this.kind = cluster ? 'redis-cluster' : 'redis';
    this.publishCommand = cluster ? 'SPUBLISH' : 'PUBLISH';
    this.prefix = checkRedisPrefix(options.prefix ?? DEFAULT_REDIS_PREFIX);
    this.retentionMs = Math.max(limits.ttlMs, options.sequenceRetentionMs ?? 86_400_000);
    client.defineCommand('switchboardAppend', { numberOfKeys: 3, lua: APPEND });
    client.defineCommand('switchboardSince', { numberOfKeys: 3, lua: SINCE });
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

  async append(topic: string, data: string): Promise<StreamTip> {
    const keys = redisHistoryKeys(this.prefix, topic);
    const [head, middle, tail] = frameParts(topic);
    const [offset, epoch] = await this.run(() =>
      this.scripts.switchboardAppend(
        keys.seq,
        keys.log,
        keys.epoch,
        data,
        newEpoch(),
        this.limits.size,
        this.limits.ttlMs,
        this.retentionMs,
        redisChannel(this.prefix, topic),
        this.publishCommand,
        head,
        middle,
        tail,
      ),
    );
    return { offset, epoch };
  }

  async since(topic: string, offset: number, limit: number, epoch?: string): Promise<HistoryPage> {
    const keys = redisHistoryKeys(this.prefix, topic);
    const [last, current, flat] = await this.run(() =>
      this.scripts.switchboardSince(
        keys.seq,
        keys.log,
        keys.epoch,
        Math.max(0, offset),
        Math.max(0, limit),
        this.limits.ttlMs,
        epoch ?? '',
      ),
    );
    const currentEpoch = current === '' ? REDIS_EMPTY_EPOCH : current;
    const messages: HistoryEntry[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) messages.push({ offset: Number(flat[i]), data: String(flat[i + 1]) });
    const sameEpoch = epoch === undefined || epoch === currentEpoch;
    const from = sameEpoch ? offset : 0;
    const nothingNewer = last <= from;
    const startsRight = messages[0]?.offset === from + 1;
    const complete = (sameEpoch || offset === 0) && (nothingNewer || startsRight);
    return { offset: last, epoch: currentEpoch, messages, complete };
  }

  async tip(topic: string): Promise<StreamTip> {
    const keys = redisHistoryKeys(this.prefix, topic);
    const [seq, epoch] = await this.run(() => this.client.mget(keys.seq, keys.epoch));
    if (seq === null || seq === undefined || epoch === null || epoch === undefined) return { offset: 0, epoch: REDIS_EMPTY_EPOCH };
    return { offset: Number(seq), epoch };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeRedisClient(this.client);
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
