import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTracked, stopProcess, waitForPort } from '@switchboard/testkit';
import { parse } from 'yaml';

/**
 * docker-compose.yml run without Docker: every compose service gets its own loopback address
 * (127.0.0.N, in file order) standing in for its hostname, so the compose file's own
 * environment blocks and deploy/haproxy.cfg work with only `host:port` rewritten. Switchboard
 * services keep their compose ports (a port already taken on the machine moves to a free
 * one); the brokers always get free ports (tests never take 4222/6379).
 */
export interface ComposeService {
  name: string;
  address: string;
  image?: string;
  command: string[];
  environment: Record<string, string>;
}

export interface ComposeTopology {
  /** The published HAProxy front end: `http://address:port`. */
  url: string;
  wsUrl: string;
  /** The Switchboard processes, by compose service name. */
  processes: Map<string, ReturnType<typeof spawnTracked>>;
  stop(): Promise<void>;
}

type Compose = { services: Record<string, { image?: string; command?: string[]; environment?: Record<string, string | number> }> };

export function readCompose(file: string): ComposeService[] {
  const compose = parse(readFileSync(file, 'utf8'), { merge: true }) as Compose;
  return Object.entries(compose.services).map(([name, s], i) => ({
    name,
    address: `127.0.0.${i + 2}`,
    image: s.image,
    command: s.command ?? [],
    environment: Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)])),
  }));
}

/** A port on `host` that was free a moment ago: `wanted` if it is, else any. */
function portOn(host: string, wanted = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => (wanted !== 0 && err.code === 'EADDRINUSE' ? resolve(portOn(host)) : reject(err)));
    server.listen(wanted, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

type Listening = { name: string; proc: ReturnType<typeof spawnTracked>; address: string; port: number };

async function waitListening(all: Listening[]): Promise<void> {
  for (const l of all) {
    const exited = new Promise<never>((_resolve, reject) => l.proc.once('exit', (code) => reject(new Error(`exited with ${code}`))));
    await Promise.race([waitForPort(l.port, 60_000, l.address), exited]).catch((err: Error) => {
      throw new Error(`${l.name} did not listen on ${l.address}:${l.port} (${err.message}): ${l.proc.output()}`, { cause: err });
    });
  }
}

/** Starts the compose topology: brokers, every switchboard:local service from `bin`, HAProxy with deploy/haproxy.cfg. */
export async function startComposeTopology(composeFile: string, haproxyCfg: string, bin: string): Promise<ComposeTopology> {
  const services = readCompose(composeFile);
  const byName = new Map(services.map((s) => [s.name, s]));
  const dir = mkdtempSync(join(tmpdir(), 'sb-compose-'));
  // compose `host:port` -> where it runs here.
  const endpoints = new Map<string, string>();
  const rewrite = (text: string) =>
    text.replace(/\b([a-z][\w-]*):(\d+)\b/g, (all, host: string, port: string) => endpoints.get(`${host}:${port}`) ?? all);
  const listening: Listening[] = [];
  const processes = new Map<string, ReturnType<typeof spawnTracked>>();
  const stopAll = async () => {
    for (const { proc } of listening.reverse()) await stopProcess(proc, 'SIGTERM', 20_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const nats = byName.get('nats');
    const redis = byName.get('redis');
    if (nats === undefined || redis === undefined) throw new Error('docker-compose.yml: no nats or redis service');
    const natsPort = await portOn(nats.address);
    endpoints.set('nats:4222', `${nats.address}:${natsPort}`);
    const natsArgs = nats.command.map((a) => (a === '/data' ? join(dir, 'nats') : a));
    listening.push({
      name: 'nats',
      address: nats.address,
      port: natsPort,
      proc: spawnTracked('nats-server', [...natsArgs, '-a', nats.address, '-p', String(natsPort)]),
    });
    const redisPort = await portOn(redis.address);
    endpoints.set('redis:6379', `${redis.address}:${redisPort}`);
    const [redisCommand = 'redis-server', ...redisArgs] = redis.command;
    const redisFlags = ['--bind', redis.address, '--port', String(redisPort), '--dir', dir, '--save', ''];
    listening.push({
      name: 'redis',
      address: redis.address,
      port: redisPort,
      proc: spawnTracked(redisCommand, [...redisArgs, ...redisFlags]),
    });

    await waitListening(listening);

    const switchboards = services.filter((s) => s.image?.startsWith('switchboard'));
    for (const s of switchboards) {
      const port = await portOn(s.address, Number(s.environment.PORT));
      endpoints.set(`${s.name}:${s.environment.PORT}`, `${s.address}:${port}`);
      s.environment.PORT = String(port);
    }
    for (const s of switchboards) {
      const env = Object.fromEntries(Object.entries(s.environment).map(([k, v]) => [k, rewrite(v)]));
      const proc = spawnTracked(bin, s.command, { env: { PATH: process.env.PATH, NODE_ENV: 'production', HOST: s.address, ...env } });
      listening.push({ name: s.name, address: s.address, port: Number(s.environment.PORT), proc });
      processes.set(s.name, proc);
    }

    const haproxy = byName.get('haproxy');
    if (haproxy === undefined) throw new Error('docker-compose.yml: no haproxy service');
    const front = await portOn(haproxy.address, 8080);
    // The only other change: a maxconn that fits this machine's file-descriptor limit.
    const cfg = rewrite(readFileSync(haproxyCfg, 'utf8'))
      .replace(/bind \*:8080/, `bind ${haproxy.address}:${front}`)
      .replace(/^(\s*)maxconn \d+/m, '$1maxconn 4000');
    writeFileSync(join(dir, 'haproxy.cfg'), cfg);
    listening.push({
      name: 'haproxy',
      address: haproxy.address,
      port: front,
      proc: spawnTracked('haproxy', ['-f', join(dir, 'haproxy.cfg'), '-db']),
    });

    await waitListening(listening);
    return { url: `http://${haproxy.address}:${front}`, wsUrl: `ws://${haproxy.address}:${front}/ws`, processes, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
