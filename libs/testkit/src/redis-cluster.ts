import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrokerHandle, BrokerUnavailableError, externalBroker } from './broker.js';
import { type BrokerClusterHandle, type BrokerNode, wholeClusterControls } from './broker-cluster.js';
import { freePort } from './ports.js';
import { hasCommand, spawnTracked, stopProcess } from './process.js';
import { spawnRedis } from './redis.js';

export interface RedisClusterOptions {
  /** Masters (each owns a third of the slots for 3). Default 3. */
  masters?: number;
  /** Replicas per master (0: none, so losing a node loses its slots). Default 0. */
  replicas?: number;
  /** `cluster-node-timeout`: how long a silent master is waited for before its replica takes over. Default 2000. */
  nodeTimeoutMs?: number;
}

/** A Redis Cluster the testkit runs: a BrokerHandle plus per-node kill and restart. */
export interface RedisClusterHandle extends BrokerClusterHandle {
  /** The nodes that are masters right now (as the first live node sees it). */
  masters(): Promise<BrokerNode[]>;
  /** Resolves once every slot is served again (`cluster_state:ok` on every live node), bounded. */
  waitHealthy(timeoutMs?: number): Promise<void>;
}

/** Runs `redis-cli` and resolves with what it printed (empty when it failed). */
export async function redisCli(args: string[]): Promise<string> {
  const cli = spawnTracked('redis-cli', args);
  const code = await new Promise<number | null>((resolve) => cli.once('exit', resolve));
  return code === 0 ? cli.output() : '';
}

/**
 * A Redis Cluster of `masters` × (1 + `replicas`) nodes: REDIS_CLUSTER_URL if set, else local
 * `redis-server --cluster-enabled` processes (AOF with fsync always, like `startRedis`) joined
 * with `redis-cli --cluster create`. The BUS_URL lists every node, so a client can start while
 * any one is down. `kill()`/`restart()` hit every node; `nodes[i].kill()`/`.restart()` one.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<BrokerHandle> {
  if (process.env.REDIS_CLUSTER_URL) return externalBroker(process.env.REDIS_CLUSTER_URL);
  return startLocalRedisCluster(options);
}

/** Like `startRedisCluster`, but always local binaries (a test that kills single nodes needs them). */
export async function startLocalRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterHandle> {
  if (!hasCommand('redis-server') || !hasCommand('redis-cli')) {
    throw new BrokerUnavailableError('no redis-server/redis-cli binaries (apt-get install redis-server redis-tools)');
  }
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 0;
  const ports: number[] = [];
  while (ports.length < masters * (1 + replicas)) {
    const port = await freePort();
    // Cluster nodes also listen on port + 10000 (the bus port); keep both in range and distinct.
    if (port < 55_000 && !ports.includes(port) && !ports.includes(port + 10_000) && !ports.includes(port - 10_000)) ports.push(port);
  }
  const dir = mkdtempSync(join(tmpdir(), 'sb-redis-cluster-'));
  const spawnNode = (port: number) =>
    spawnRedis(port, dir, [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `nodes-${port}.conf`,
      '--cluster-node-timeout',
      String(options.nodeTimeoutMs ?? 2000),
      // As in production (docs/operations.md): the shards that live keep serving while one fails over.
      '--cluster-require-full-coverage',
      'no',
      '--appendfilename',
      `aof-${port}.aof`,
      '--appenddirname',
      `aof-${port}`,
    ]);
  const servers = new Map(await Promise.all(ports.map(async (port) => [port, await spawnNode(port)] as const)));
  const create = spawnTracked('redis-cli', [
    '--cluster',
    'create',
    ...ports.map((p) => `127.0.0.1:${p}`),
    '--cluster-replicas',
    String(replicas),
    '--cluster-yes',
  ]);
  const code = await new Promise<number | null>((resolve) => create.once('exit', resolve));
  if (code !== 0) throw new Error(`redis-cli --cluster create failed: ${create.output()}`);
  const alive = new Set(ports);
  const waitHealthy = (timeoutMs = 20_000) => waitForClusterOk([...alive], masters * (1 + replicas), timeoutMs);
  await waitHealthy();

  const node = (port: number): BrokerNode => ({
    name: `redis-${port}`,
    port,
    async kill() {
      const server = servers.get(port);
      alive.delete(port);
      if (server !== undefined) await stopProcess(server, 'SIGKILL');
    },
    async restart() {
      const server = servers.get(port);
      if (server !== undefined) await stopProcess(server, 'SIGKILL');
      servers.set(port, await spawnNode(port));
      alive.add(port);
    },
  });
  const nodes = ports.map(node);
  return {
    url: `redis-cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    source: 'binary',
    nodes,
    waitHealthy,
    async masters() {
      for (const port of alive) {
        const text = await redisCli(['-p', String(port), 'cluster', 'nodes']);
        if (text === '') continue;
        // <id> <ip:port@bus> <flags> <master id> <ping> <pong> <epoch> <link> <slots…>
        const masterPorts = text
          .split('\n')
          .map((line) => line.split(' '))
          .filter(([, , flags = '', ...rest]) => flags.includes('master') && !flags.includes('fail') && rest.length > 5)
          .map(([, address = '']) => Number(/:(\d+)@/.exec(address)?.[1]));
        return nodes.filter((n) => masterPorts.includes(n.port));
      }
      return [];
    },
    ...wholeClusterControls(servers, nodes, dir, () => waitHealthy()),
  };
}

/** Waits until every given node reports `cluster_state:ok`, knows all `known` nodes and (a replica) is in sync (bounded). */
async function waitForClusterOk(ports: number[], known: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    for (;;) {
      const info = await redisCli(['-p', String(port), 'cluster', 'info']);
      // A replica that never finished its first sync would not take over: wait for its link too.
      const replication = await redisCli(['-p', String(port), 'info', 'replication']);
      const synced = replication.includes('role:master') || replication.includes('master_link_status:up');
      if (info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${known}`) && synced) break;
      if (Date.now() > deadline) throw new Error(`redis cluster node ${port} not ok: ${info}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
