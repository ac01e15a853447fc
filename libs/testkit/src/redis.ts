import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrokerHandle, BrokerUnavailableError, externalBroker, localBroker } from './broker.js';
import { dockerAvailable, startContainer } from './containers.js';
import { freePort } from './ports.js';
import { hasCommand, spawnListening, spawnTracked, stopProcess } from './process.js';

type Server = ReturnType<typeof spawnTracked>;

/**
 * One redis-server on 127.0.0.1, persisting with an fsync'd append-only file in a temp folder,
 * so `restart()` brings back what was acknowledged (as a production Redis with AOF would).
 */
function spawnRedis(port: number, dir: string, extra: string[] = []): Promise<Server> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes'];
  return spawnListening('redis-server', [...args, '--appendfsync', 'always', '--protected-mode', 'no', '--logfile', '', ...extra], port);
}

/** A Redis server: REDIS_URL if set, else a local `redis-server` on a free port. */
export async function startRedis(): Promise<BrokerHandle> {
  if (process.env.REDIS_URL) return externalBroker(process.env.REDIS_URL);
  if (!hasCommand('redis-server'))
    throw new BrokerUnavailableError('no REDIS_URL and no redis-server binary (apt-get install redis-server)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sb-redis-'));
  return localBroker(`redis://127.0.0.1:${port}`, dir, () => spawnRedis(port, dir));
}

/**
 * A Redis Cluster of `masters` nodes (no replicas): REDIS_CLUSTER_URL if set, else local
 * `redis-server --cluster-enabled` processes joined with `redis-cli --cluster create`.
 */
export async function startRedisCluster(options: { masters?: number } = {}): Promise<BrokerHandle> {
  if (process.env.REDIS_CLUSTER_URL) return externalBroker(process.env.REDIS_CLUSTER_URL);
  if (!hasCommand('redis-server') || !hasCommand('redis-cli')) {
    throw new BrokerUnavailableError(
      'no REDIS_CLUSTER_URL and no redis-server/redis-cli binaries (apt-get install redis-server redis-tools)',
    );
  }
  const masters = options.masters ?? 3;
  const ports: number[] = [];
  while (ports.length < masters) {
    const port = await freePort();
    // Cluster nodes also listen on port + 10000 (the bus port); keep both in range and distinct.
    if (port < 55_000 && !ports.includes(port)) ports.push(port);
  }
  const dir = mkdtempSync(join(tmpdir(), 'sb-redis-cluster-'));
  const clusterArgs = (port: number) => [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    `nodes-${port}.conf`,
    '--cluster-node-timeout',
    '2000',
  ];
  let servers = await Promise.all(
    ports.map((port) =>
      spawnRedis(port, dir, [...clusterArgs(port), '--appendfilename', `aof-${port}.aof`, '--appenddirname', `aof-${port}`]),
    ),
  );
  const create = spawnTracked('redis-cli', [
    '--cluster',
    'create',
    ...ports.map((p) => `127.0.0.1:${p}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ]);
  const code = await new Promise<number | null>((resolve) => create.once('exit', resolve));
  if (code !== 0) throw new Error(`redis-cli --cluster create failed: ${create.output()}`);
  await waitForClusterOk(ports);
  const spawnAll = () =>
    Promise.all(
      ports.map((port) =>
        spawnRedis(port, dir, [...clusterArgs(port), '--appendfilename', `aof-${port}.aof`, '--appenddirname', `aof-${port}`]),
      ),
    );
  return {
    url: `redis-cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    source: 'binary',
    async stop() {
      await Promise.all(servers.map((s) => stopProcess(s, 'SIGTERM')));
      rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      await Promise.all(servers.map((s) => stopProcess(s, 'SIGKILL')));
    },
    async restart() {
      await Promise.all(servers.map((s) => stopProcess(s, 'SIGKILL')));
      servers = await spawnAll();
      await waitForClusterOk(ports);
    },
  };
}

/** Waits until every node reports `cluster_state:ok` (bounded). */
async function waitForClusterOk(ports: number[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    for (;;) {
      const info = spawnTracked('redis-cli', ['-p', String(port), 'cluster', 'info']);
      await new Promise((resolve) => info.once('exit', resolve));
      if (info.output().includes('cluster_state:ok')) break;
      if (Date.now() > deadline) throw new Error(`redis cluster node ${port} not ok: ${info.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
