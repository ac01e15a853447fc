import { rmSync } from 'node:fs';
import { type spawnTracked, stopProcess } from './process.js';

/** A broker started for a test: where to reach it and how to hurt it. */
export interface BrokerHandle {
  /** `redis://…`, `redis-cluster://…,…` or `nats://…`: a valid BUS_URL. */
  url: string;
  /** Where the server came from: `env`, `binary` or `container`. */
  source: 'env' | 'binary' | 'container';
  /** Stops it gracefully (and for good). */
  stop(): Promise<void>;
  /** kill -9. */
  kill(): Promise<void>;
  /** Starts it again on the same address, with the data it had persisted. */
  restart(): Promise<void>;
}

/** No server could be had: no env URL and no local binary (and no Docker engine). */
export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';
}

/** A broker given by URL: the test may use it but not kill or restart it. */
export function externalBroker(url: string): BrokerHandle {
  const refuse = async () => {
    throw new Error(`cannot kill or restart the external broker at ${url} (unset its env variable to let the testkit start one)`);
  };
  return { url, source: 'env', stop: async () => undefined, kill: refuse, restart: refuse };
}

/**
 * A broker the testkit runs as one local process: `start` spawns it (on the same port and data
 * folder each time), so `restart()` after `kill()` brings back what it had persisted.
 */
export async function localBroker(url: string, dir: string, start: () => Promise<ReturnType<typeof spawnTracked>>): Promise<BrokerHandle> {
  let server = await start();
  return {
    url,
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
      server = await start();
    },
  };
}
