import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrokerHandle, BrokerUnavailableError, externalBroker, localBroker } from './broker.js';
import { freePort } from './ports.js';
import { hasCommand, spawnListening, type spawnTracked } from './process.js';

type Server = ReturnType<typeof spawnTracked>;

/**
 * One redis-server on 127.0.0.1, persisting with an fsync'd append-only file in a temp folder,
 * so `restart()` brings back what was acknowledged (as a production Redis with AOF would).
 */
export function spawnRedis(port: number, dir: string, extra: string[] = []): Promise<Server> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes'];
  return spawnListening('redis-server', [...args, '--appendfsync', 'always', '--protected-mode', 'no', '--logfile', '', ...extra], port);
}

/**
 * A Redis server: REDIS_URL if set, else a local `redis-server` on a free port. `fsync`: the
 * append-only file's `appendfsync` (default `always`, what the durability tests need).
 */
export async function startRedis(options: { fsync?: 'always' | 'everysec' } = {}): Promise<BrokerHandle> {
  if (process.env.REDIS_URL) return externalBroker(process.env.REDIS_URL);
  if (!hasCommand('redis-server'))
    throw new BrokerUnavailableError('no REDIS_URL and no redis-server binary (apt-get install redis-server)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sb-redis-'));
  const extra = options.fsync === undefined ? [] : ['--appendfsync', options.fsync];
  return localBroker(`redis://127.0.0.1:${port}`, dir, () => spawnRedis(port, dir, extra));
}
