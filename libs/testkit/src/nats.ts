import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrokerHandle, BrokerUnavailableError, externalBroker } from './broker.js';
import { freePort, waitForPort } from './ports.js';
import { hasCommand, spawnTracked, stopProcess } from './process.js';

/**
 * A NATS server: NATS_URL if set, else a local `nats-server` on a free port; with `jetstream`
 * its store lives in a temp folder that survives `restart()`.
 */
export async function startNats(options: { jetstream?: boolean } = {}): Promise<BrokerHandle> {
  if (process.env.NATS_URL) return externalBroker(process.env.NATS_URL);
  if (!hasCommand('nats-server')) throw new BrokerUnavailableError('no NATS_URL and no nats-server binary (apt-get install nats-server)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sb-nats-'));
  const args = ['-a', '127.0.0.1', '-p', String(port), ...(options.jetstream ? ['-js', '-sd', dir] : [])];
  const spawnNats = async () => {
    const server = spawnTracked('nats-server', args);
    try {
      await waitForPort(port);
    } catch (err) {
      server.kill('SIGKILL');
      throw new Error(`nats-server did not start on ${port}: ${server.output()}`, { cause: err });
    }
    return server;
  };
  let server = await spawnNats();
  return {
    url: `nats://127.0.0.1:${port}`,
    source: 'binary',
    async stop() {
      await stopProcess(server, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      await stopProcess(server, 'SIGKILL');
    },
    async restart() {
      await stopProcess(server, 'SIGKILL');
      server = await spawnNats();
    },
  };
}
