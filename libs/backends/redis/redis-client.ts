/**
 * Redis connections as Switchboard needs them, shared by the Redis bus and the Redis history
 * store: BUS_URL parsing, fail-fast command clients, and reconnect-forever backoff.
 */
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** What a `redis://`, `rediss://` or `redis-cluster://` URL names. */
export interface RedisTarget {
  cluster: boolean;
  /** One node for plain Redis; the seed nodes of a cluster. */
  nodes: RedisNodeAddress[];
  /** Credentials, TLS and database, applied to every connection. */
  options: RedisOptions;
}

/**
 * Parses `redis://[user:pass@]host[:port][/db]`, `rediss://…` (TLS) and
 * `redis-cluster://[user:pass@]host:port[,host:port…]` (`redis-clusters://` for TLS).
 */
export function parseRedisUrl(url: string): RedisTarget {
  const match = /^(redis|rediss|redis-cluster|redis-clusters):\/\/(?:([^@/]*)@)?([^/?#]+)(?:\/(\d*))?$/.exec(url);
  if (match === null) throw new RangeError(`not a Redis URL: "${url}" (redis://host:port or redis-cluster://host:port,host:port)`);
  const [, scheme, auth, hosts, db] = match as unknown as [string, string, string | undefined, string, string | undefined];
  const cluster = scheme.startsWith('redis-cluster');
  const options: RedisOptions = {};
  if (auth !== undefined && auth !== '') {
    const colon = auth.indexOf(':');
    const user = decodeURIComponent(colon < 0 ? '' : auth.slice(0, colon));
    const password = decodeURIComponent(colon < 0 ? auth : auth.slice(colon + 1));
    if (user !== '') options.username = user;
    if (password !== '') options.password = password;
  }
  if (scheme === 'rediss' || scheme === 'redis-clusters') options.tls = {};
  if (db !== undefined && db !== '') {
    if (cluster) throw new RangeError(`a Redis Cluster has no databases: "${url}"`);
    options.db = Number(db);
  }
  const nodes = hosts.split(',').map((part) => {
    const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(part);
    const [host, port] = bracket !== null ? [bracket[1] as string, bracket[2]] : (part.split(':', 2) as [string, string | undefined]);
    const number = port === undefined || port === '' ? 6379 : Number(port);
    if (host === '' || !Number.isInteger(number) || number < 1 || number > 65_535)
      throw new RangeError(`bad Redis address "${part}" in "${url}"`);
    return { host, port: number };
  });
  if (!cluster && nodes.length !== 1) throw new RangeError(`redis:// takes one address (use redis-cluster:// for several): "${url}"`);
  return { cluster, nodes, options };
}

/** Reconnect forever: 50 ms doubling to 1 s, with jitter so a fleet does not reconnect in step. */
export function redisBackoff(attempt: number): number {
  const base = Math.min(50 * 2 ** Math.min(attempt, 10), 1000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export interface RedisClientTuning {
  /** A command that gets no reply within this time rejects (a silent network). Default 5000. */
  commandTimeoutMs?: number;
  /** TCP connect timeout per attempt. Default 5000. */
  connectTimeoutMs?: number;
  /** Connection name shown by CLIENT LIST. */
  name?: string;
  /**
   * Send every command of one event-loop turn in one write (ioredis auto-pipelining). Replies
   * and execution keep the call order. Default false.
   */
  autoPipelining?: boolean;
}

/**
 * Options of a connection that must never hold a command back: no offline queue (a command
 * while disconnected rejects at once), in-flight commands reject when the connection drops
 * (never re-sent after reconnect, so a script is never run twice), and it reconnects forever.
 */
function failFast(tuning: RedisClientTuning): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: tuning.commandTimeoutMs ?? 5000,
    connectTimeout: tuning.connectTimeoutMs ?? 5000,
    keepAlive: 10_000,
    enableAutoPipelining: tuning.autoPipelining ?? false,
    ...(tuning.name === undefined ? {} : { connectionName: tuning.name }),
  };
}

export type RedisCommandClient = Redis | Cluster;

/** A client for commands (publish, scripts, reads) over the target, not yet connected. */
export function createRedisCommandClient(target: RedisTarget, tuning: RedisClientTuning = {}): RedisCommandClient {
  if (!target.cluster) {
    const [node] = target.nodes as [RedisNodeAddress];
    return new Redis({ ...target.options, ...failFast(tuning), ...node, retryStrategy: redisBackoff, lazyConnect: true });
  }
  const options: ClusterOptions = {
    enableOfflineQueue: false,
    enableAutoPipelining: tuning.autoPipelining ?? false,
    // Never retry a command after "Connection is closed": a script may have run.
    retryDelayOnFailover: 0,
    clusterRetryStrategy: redisBackoff,
    lazyConnect: true,
    redisOptions: { ...target.options, ...failFast(tuning) },
  };
  const cluster = new Cluster(target.nodes, options);
  watchClusterNodes(cluster, () => cluster.emit(REDIS_NODES_EVENT));
  return cluster;
}

/** Emitted by a cluster client from `createRedisCommandClient` when one of its nodes connects or drops. */
export const REDIS_NODES_EVENT = 'switchboard:nodes';

/** Options of a subscriber connection to one node (the caller resubscribes after reconnects). */
export function redisSubscriberOptions(target: RedisTarget, node: RedisNodeAddress, tuning: RedisClientTuning = {}): RedisOptions {
  return {
    ...target.options,
    ...failFast(tuning),
    ...node,
    autoResubscribe: false,
    retryStrategy: redisBackoff,
    lazyConnect: true,
  };
}

/**
 * True when the client can take commands: connected, and for a cluster every master connected
 * too (ioredis connects cluster nodes lazily, and without an offline queue a command to a node
 * that is still connecting fails).
 */
export function redisClientReady(client: RedisCommandClient): boolean {
  if (client.status !== 'ready') return false;
  if (!(client instanceof Cluster)) return true;
  const masters = client.nodes('master');
  return masters.length > 0 && masters.every((node) => node.status === 'ready');
}

/**
 * Connects every cluster node as soon as the client knows it (instead of on its first command)
 * and calls `onChange` whenever a node connects or drops.
 */
function watchClusterNodes(cluster: Cluster, onChange: () => void): void {
  const watch = (node: Redis) => {
    node.on('ready', onChange);
    node.on('close', onChange);
    node.on('end', onChange);
    if (node.status === 'wait') node.connect().catch(() => undefined);
  };
  cluster.on('+node', watch);
  cluster.on('-node', onChange);
  for (const node of cluster.nodes()) watch(node);
}

/**
 * Connects a client and waits until `redisClientReady` (for a cluster: the slot map is known and
 * every master connected). Rejects, and disconnects it, when that takes longer than `timeoutMs`.
 */
export async function connectRedisClient(client: RedisCommandClient, timeoutMs: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let resolveReady: (() => void) | undefined;
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  const wake = () => {
    if (redisClientReady(client)) resolveReady?.();
  };
  client.on('ready', wake);
  client.on(REDIS_NODES_EVENT, wake);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not ready after ${timeoutMs} ms`)), timeoutMs);
  });
  // The first attempt may fail; the retry strategy keeps trying until the timeout.
  client.connect().catch(() => undefined);
  try {
    await Promise.race([ready, timeout]);
  } catch (err) {
    client.disconnect();
    throw err;
  } finally {
    clearTimeout(timer);
    client.off('ready', wake);
    client.off(REDIS_NODES_EVENT, wake);
  }
}

/** Closes a client: QUIT when connected, else drop the socket; never reconnects afterwards. */
export async function closeRedisClient(client: RedisCommandClient): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    const quit = client.quit().catch(() => undefined);
    const bounded = new Promise((resolve) => setTimeout(resolve, 1000).unref());
    await Promise.race([quit, bounded]);
  }
  client.disconnect();
}
