import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrokerHandle, BrokerUnavailableError, externalBroker, localBroker } from './broker.js';
import { dockerAvailable, startContainer } from './containers.js';
import { freePort } from './ports.js';
import { hasCommand, spawnListening } from './process.js';

/**
 * A NATS server: NATS_URL if set, else a local `nats-server` on a free port; with `jetstream`
 * its store lives in a temp folder that survives `restart()`.
 */
export async function startNats(options: { jetstream?: boolean } = {}): Promise<BrokerHandle> {
  if (process.env.NATS_URL) return externalBroker(process.env.NATS_URL);
  if (!hasCommand('nats-server')) {
    if (await dockerAvailable()) return startContainer('nats:2.10', 4222, options.jetstream ? ['-js'] : [], (h, p) => `nats://${h}:${p}`);
    throw new BrokerUnavailableError('no NATS_URL, no nats-server binary (apt-get install nats-server) and no Docker engine');
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sb-nats-'));
  const args = ['-a', '127.0.0.1', '-p', String(port), ...(options.jetstream ? ['-js', '-sd', dir] : [])];
  return localBroker(`nats://127.0.0.1:${port}`, dir, () => spawnListening('nats-server', args, port));
}
