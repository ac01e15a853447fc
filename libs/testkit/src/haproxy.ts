import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerUnavailableError } from './broker.js';
import { freePort, waitForPort } from './ports.js';
import { hasCommand, spawnTracked, stopProcess } from './process.js';

export interface HaproxyBackend {
  /** The NODE_ID of the edge: HAProxy matches it against the `sb_node` cookie the edge sets. */
  name: string;
  port: number;
}

export interface HaproxyHandle {
  port: number;
  url: string;
  wsUrl: string;
  stop(): Promise<void>;
}

/**
 * The load-balancer settings of deploy/haproxy.cfg, for a test: sticky on the `sb_node` cookie,
 * leastconn, health checks on /readyz, long tunnel timeout; checks every 250 ms so a draining
 * or dead edge leaves the rotation quickly.
 */
export function haproxyConfig(port: number, backends: HaproxyBackend[], checkIntervalMs = 250): string {
  return [
    'global',
    '  maxconn 8000',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout tunnel 1h',
    '  timeout http-request 10s',
    '  option redispatch',
    '  retries 2',
    'frontend switchboard',
    `  bind 127.0.0.1:${port}`,
    '  default_backend edges',
    'backend edges',
    '  balance leastconn',
    '  cookie sb_node',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    `  default-server inter ${checkIntervalMs} fall 1 rise 2`,
    ...backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} cookie ${b.name} check`),
    '',
  ].join('\n');
}

/** A real HAProxy (Debian `haproxy`) in front of the given edges on a free loopback port. */
export async function startHaproxy(backends: HaproxyBackend[], options: { checkIntervalMs?: number } = {}): Promise<HaproxyHandle> {
  if (!hasCommand('haproxy')) throw new BrokerUnavailableError('no haproxy binary (apt-get install haproxy)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sb-haproxy-'));
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, haproxyConfig(port, backends, options.checkIntervalMs));
  const proc = spawnTracked('haproxy', ['-f', file, '-db']);
  try {
    await waitForPort(port);
  } catch (err) {
    proc.kill('SIGKILL');
    throw new Error(`haproxy did not start: ${proc.output()}`, { cause: err });
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    async stop() {
      await stopProcess(proc, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
