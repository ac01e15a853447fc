import {
  type Bus,
  type BusHandler,
  type BusOptions,
  type BusState,
  type BusSubscription,
  BusUnavailableError,
  HandlerErrors,
  UnsupportedPatternError,
} from '@switchboard/bus';
import { isWildcard, matchTopic } from '@switchboard/protocol';
import type { Cluster } from 'ioredis';
import {
  closeRedisClient,
  connectRedisClient,
  createRedisCommandClient,
  parseRedisUrl,
  REDIS_NODES_EVENT,
  type RedisClientTuning,
  type RedisCommandClient,
  type RedisTarget,
  redisClientReady,
  redisSubscriberOptions,
} from './redis-client.js';
import { checkRedisPrefix, DEFAULT_REDIS_PREFIX, redisChannel, redisPatternGlob, redisTopicOfChannel } from './redis-keys.js';
import { redisKeySlot } from './redis-slot.js';
import { RedisSubscriberConnection } from './redis-subscriber.js';

export interface RedisBusOptions extends RedisClientTuning, BusOptions {
  /** How long `connect` waits for Redis before it rejects. Default 10000. */
  readyTimeoutMs?: number;
}

interface Listener {
  handler: BusHandler;
}

interface PatternListener extends Listener {
  pattern: string;
}

/** One channel this bus holds for one or more handlers of a concrete topic. */
interface ChannelEntry {
  topic: string;
  channel: string;
  /** Cluster slot of the channel. */
  slot: number;
  listeners: Set<Listener>;
  /** Settles once Redis confirmed the (S)SUBSCRIBE. */
  ready: Promise<void>;
  /** The connection that holds the channel (cluster: the one to the slot's master). */
  conn: RedisSubscriberConnection | undefined;
}

/** One glob (PSUBSCRIBE) shared by the wildcard patterns it over-approximates. */
interface GlobEntry {
  listeners: Set<PatternListener>;
  ready: Promise<void>;
}

const SINGLE = 'single';

/**
 * A Bus over Redis pub/sub.
 *
 * - `redis://host:port`: PUBLISH/SUBSCRIBE, one channel per topic (see redis-keys.ts); a
 *   wildcard pattern is a PSUBSCRIBE glob that over-approximates it, and every delivery is
 *   filtered with `matchTopic`, so the semantics are exactly NATS's.
 * - `redis-cluster://h:p,h:p`: sharded pub/sub, SPUBLISH/SSUBSCRIBE, so a message stays on the
 *   shard that owns its topic. One subscriber connection per master, each channel routed to the
 *   master of its slot (re-routed when the slot map changes). No wildcard subscriptions.
 *
 * Publishing uses its own connection without an offline queue: while Redis is unreachable
 * `publish` rejects at once instead of buffering. Subscriber connections reconnect forever and
 * subscribe every live channel again; the bus is `up` only when the publisher is connected and
 * every subscriber connection has resubscribed.
 */
export class RedisBus implements Bus {
  readonly kind: 'redis' | 'redis-cluster';
  private current: BusState = 'connecting';
  private everUp = false;
  private readonly listeners = new Set<(state: BusState) => void>();
  private readonly channels = new Map<string, ChannelEntry>();
  private readonly globs = new Map<string, GlobEntry>();
  /** Subscriber connections: `single` for plain Redis, else keyed by node (`host:port`). */
  private readonly subscribers = new Map<string, RedisSubscriberConnection>();
  private readonly publisher: RedisCommandClient;
  private readonly prefix: string;
  private readonly errors: HandlerErrors;

  private constructor(
    private readonly target: RedisTarget,
    private readonly options: RedisBusOptions,
  ) {
    this.kind = target.cluster ? 'redis-cluster' : 'redis';
    this.prefix = checkRedisPrefix(options.prefix ?? DEFAULT_REDIS_PREFIX);
    this.errors = new HandlerErrors(options.onHandlerError);
    this.publisher = createRedisCommandClient(target, { ...options, name: 'switchboard-bus-pub' });
    const update = () => this.update();
    for (const event of ['ready', 'close', 'end', 'reconnecting', REDIS_NODES_EVENT]) this.publisher.on(event, update);
    this.publisher.on('error', () => undefined); // reported through the state
    if (target.cluster) this.publisher.on('refresh', () => this.rebalance());
  }

  /** Connects to `redis://…` or `redis-cluster://…`; resolves once the bus is `up`. */
  static async connect(url: string, options: RedisBusOptions = {}): Promise<RedisBus> {
    const bus = new RedisBus(parseRedisUrl(url), options);
    try {
      await bus.start(options.readyTimeoutMs ?? 10_000);
    } catch (err) {
      await bus.close();
      throw new BusUnavailableError(`cannot connect the Redis bus at ${url}: ${(err as Error).message}`, { cause: err });
    }
    return bus;
  }

  get state(): BusState {
    return this.current;
  }

  get handlerErrors(): number {
    return this.errors.count;
  }

  async publish(topic: string, payload: Uint8Array): Promise<void> {
    if (this.current !== 'up') throw new BusUnavailableError(`${this.kind} bus is ${this.current}`);
    const channel = redisChannel(this.prefix, topic);
    const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    try {
      if (this.target.cluster) await (this.publisher as Cluster).spublish(channel, bytes);
      else await this.publisher.publish(channel, bytes);
    } catch (err) {
      throw new BusUnavailableError(`${this.kind} publish failed: ${(err as Error).message}`, { cause: err });
    }
  }

  async subscribe(pattern: string, handler: BusHandler): Promise<BusSubscription> {
    // Braces would move the hash tag out of the topic; everything else (`$` reserved topics too) is fine.
    if (pattern === '' || /[{}]/.test(pattern)) throw new RangeError(`not a topic or pattern: "${pattern}"`);
    if (isWildcard(pattern)) {
      if (this.target.cluster) {
        throw new UnsupportedPatternError(`wildcard subscriptions are not supported on Redis Cluster (sharded pub/sub): "${pattern}"`);
      }
      return this.subscribeGlob(pattern, handler);
    }
    return this.subscribeChannel(pattern, handler);
  }

  onStateChange(listener: (state: BusState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.current === 'closed') return;
    this.setState('closed');
    this.channels.clear();
    this.globs.clear();
    for (const conn of this.subscribers.values()) conn.close();
    this.subscribers.clear();
    await closeRedisClient(this.publisher);
  }

  private async start(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await connectRedisClient(this.publisher, timeoutMs, `${this.kind} bus publisher`);
    if (this.target.cluster) this.rebalance();
    else this.connection(SINGLE);
    this.update();
    if (this.current === 'up') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`subscriber connections not ready after ${timeoutMs} ms`));
      }, deadline - Date.now());
      const stop = this.onStateChange((state) => {
        if (state !== 'up') return;
        clearTimeout(timer);
        stop();
        resolve();
      });
    });
  }

  private async subscribeChannel(topic: string, handler: BusHandler): Promise<BusSubscription> {
    this.ensureUp();
    const channel = redisChannel(this.prefix, topic);
    let entry = this.channels.get(channel);
    if (entry === undefined) {
      const slot = this.target.cluster ? redisKeySlot(channel) : 0;
      const created: ChannelEntry = { topic, channel, slot, listeners: new Set(), ready: Promise.resolve(), conn: undefined };
      this.channels.set(channel, created);
      created.ready = this.assign(created);
      entry = created;
    }
    const listener: Listener = { handler };
    entry.listeners.add(listener);
    const owner = entry;
    try {
      await owner.ready;
    } catch (err) {
      this.dropChannelListener(owner, listener);
      throw new BusUnavailableError(`${this.kind} subscribe to "${topic}" failed: ${(err as Error).message}`, { cause: err });
    }
    let active = true;
    return {
      unsubscribe: async () => {
        if (!active) return;
        active = false;
        this.dropChannelListener(owner, listener);
      },
    };
  }

  private dropChannelListener(entry: ChannelEntry, listener: Listener): void {
    entry.listeners.delete(listener);
    if (entry.listeners.size > 0 || this.channels.get(entry.channel) !== entry) return;
    this.channels.delete(entry.channel);
    entry.conn?.removeChannel(entry.channel);
  }

  private async subscribeGlob(pattern: string, handler: BusHandler): Promise<BusSubscription> {
    this.ensureUp();
    const glob = redisPatternGlob(this.prefix, pattern);
    const conn = this.connection(SINGLE);
    let entry = this.globs.get(glob);
    if (entry === undefined) {
      entry = { listeners: new Set(), ready: conn.addGlob(glob) };
      this.globs.set(glob, entry);
    }
    const listener: PatternListener = { pattern, handler };
    entry.listeners.add(listener);
    const owner = entry;
    const drop = () => {
      owner.listeners.delete(listener);
      if (owner.listeners.size > 0 || this.globs.get(glob) !== owner) return;
      this.globs.delete(glob);
      conn.removeGlob(glob);
    };
    try {
      await owner.ready;
    } catch (err) {
      drop();
      throw new BusUnavailableError(`${this.kind} subscribe to "${pattern}" failed: ${(err as Error).message}`, { cause: err });
    }
    let active = true;
    return {
      unsubscribe: async () => {
        if (!active) return;
        active = false;
        drop();
      },
    };
  }

  /** Subscribes the entry's channel on the connection that must hold it. */
  private async assign(entry: ChannelEntry): Promise<void> {
    const key = this.target.cluster ? this.ownerOf(entry.slot) : SINGLE;
    if (key === undefined) throw new BusUnavailableError(`no known Redis node serves the slot of "${entry.topic}"`);
    const conn = this.connection(key);
    entry.conn = conn;
    try {
      await conn.addChannel(entry.channel);
    } catch (err) {
      if ((err as Error).message.startsWith('MOVED')) {
        conn.removeChannel(entry.channel);
        entry.conn = undefined;
        (this.publisher as Cluster).refreshSlotsCache();
      }
      throw err;
    }
  }

  /** The master that owns a slot, per the cluster client's slot map. */
  private ownerOf(slot: number): string | undefined {
    return (this.publisher as Cluster).slots[slot]?.[0];
  }

  /** The subscriber connection for a node, created (and started) on first use. */
  private connection(key: string): RedisSubscriberConnection {
    let conn = this.subscribers.get(key);
    if (conn !== undefined) return conn;
    const node = key === SINGLE ? this.target.nodes[0] : parseNodeKey(key);
    if (node === undefined) throw new Error(`bad Redis node "${key}"`);
    const options = redisSubscriberOptions(this.target, node, { ...this.options, name: 'switchboard-bus-sub' });
    conn = new RedisSubscriberConnection(options, this.target.cluster, {
      message: (channel, payload) => this.deliver(channel, payload),
      pmessage: (glob, channel, payload) => this.deliverGlob(glob, channel, payload),
      health: () => this.update(),
      moved: (channel) => this.moved(channel),
    });
    this.subscribers.set(key, conn);
    conn.start();
    return conn;
  }

  /**
   * Cluster: keeps one subscriber connection per master and every channel on the master of
   * its slot. Runs at start and whenever the cluster client refreshed its slot map.
   */
  private rebalance(): void {
    if (!this.target.cluster || this.current === 'closed') return;
    const slots = (this.publisher as Cluster).slots;
    const masters = new Set<string>();
    for (const owners of slots) if (owners?.[0] !== undefined) masters.add(owners[0]);
    if (masters.size === 0) return;
    for (const key of masters) this.connection(key);
    for (const entry of this.channels.values()) {
      const owner = this.ownerOf(entry.slot);
      if (owner === undefined || entry.conn === this.subscribers.get(owner)) continue;
      entry.conn?.removeChannel(entry.channel);
      entry.ready = this.assign(entry);
      entry.ready.catch(() => undefined);
    }
    for (const [key, conn] of this.subscribers) {
      if (masters.has(key) || conn.channelCount > 0) continue;
      conn.close();
      this.subscribers.delete(key);
    }
    this.update();
  }

  /** A resubscribe met MOVED: the slot moved. Refresh the map; `rebalance` re-routes. */
  private moved(channel: string): void {
    const entry = this.channels.get(channel);
    if (entry !== undefined) entry.conn = undefined;
    (this.publisher as Cluster).refreshSlotsCache();
  }

  private deliver(channel: Buffer, payload: Buffer): void {
    const entry = this.channels.get(channel.toString('latin1'));
    if (entry === undefined) return;
    for (const listener of entry.listeners) this.errors.deliver(listener.handler, entry.topic, payload);
  }

  private deliverGlob(glob: string, channel: Buffer, payload: Buffer): void {
    const entry = this.globs.get(glob);
    if (entry === undefined) return;
    const topic = redisTopicOfChannel(this.prefix, channel.toString('latin1'));
    if (topic === null) return;
    for (const listener of entry.listeners) if (matchTopic(listener.pattern, topic)) this.errors.deliver(listener.handler, topic, payload);
  }

  private ensureUp(): void {
    if (this.current !== 'up') throw new BusUnavailableError(`${this.kind} bus is ${this.current}`);
  }

  private update(): void {
    if (this.current === 'closed') return;
    let up = redisClientReady(this.publisher) && this.subscribers.size > 0;
    for (const conn of this.subscribers.values()) up &&= conn.healthy;
    if (up) {
      this.everUp = true;
      this.setState('up');
    } else {
      this.setState(this.everUp ? 'down' : 'connecting');
    }
  }

  private setState(state: BusState): void {
    if (this.current === state) return;
    this.current = state;
    for (const listener of this.listeners) listener(state);
  }
}

/** Calls a handler; an exception is rethrown outside the Redis client's reply parser. */
function parseNodeKey(key: string): { host: string; port: number } | undefined {
  const colon = key.lastIndexOf(':');
  const port = Number(key.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port)) return undefined;
  return { host: key.slice(0, colon), port };
}
