import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrokerHandle, freePort, ServiceProcess, startCluster, startNats, startRedis } from '@switchboard/testkit';
import { findPid } from './proc-stat.js';
import { BENCH_PUSHER_APP } from './pusher-publisher.js';

const PROFILE_PRELOAD = fileURLToPath(new URL('./cpu-profile-preload.mjs', import.meta.url));
const GC_PRELOAD = fileURLToPath(new URL('./gc-preload.mjs', import.meta.url));

/** Which bus the system under test runs on: memory = the all-in-one process. */
export type BusKind = 'memory' | 'nats' | 'redis';

export interface Endpoint {
  host: string;
  port: number;
  /** The process that serves this endpoint's WebSockets (its CPU and RSS are measured). */
  pid: number;
}

/** A running server the load generator drives: Switchboard (all-in-one or edges + api) or the ceiling. */
export interface Target {
  name: string;
  /** Where clients connect: one entry per edge. */
  edges: Endpoint[];
  /** Base URL of the publish API (`/v1/publish`, `/v1/publish/batch`). */
  publishUrl: string;
  /** Other processes of the system (the api) whose CPU is reported apart. */
  helperPids: number[];
  /** The broker's process (nats-server, redis-server) when the testkit started it. */
  brokerPid: number | null;
  stop(): Promise<void>;
}

export interface TargetOptions {
  /** Directory for `--cpu-prof` profiles of the measured server processes (then stopped with SIGTERM). */
  profileDir?: string;
  /** Extra environment of the Switchboard processes (e.g. OTEL_* for a traced variant). */
  env?: Record<string, string>;
  /** Appended to the target's name. */
  label?: string;
}

const HOST = '127.0.0.1';

/** Settings that keep the system's own limits out of the benchmark's way. */
export const BENCH_ENV: Record<string, string> = {
  HOST,
  LOG_LEVEL: 'warn',
  // Its own subjects, channels and streams, should the broker be a shared one (NATS_URL, REDIS_URL).
  BUS_PREFIX: `bench${process.pid}`,
  API_RATE_LIMIT: '100000000',
  // ws-burst publishes from one WebSocket client.
  MESSAGE_RATE_LIMIT: '100000000',
  MESSAGE_RATE_BURST: '100000000',
  DRAIN_NOTICE_MS: '0',
  DRAIN_TIMEOUT_MS: '500',
  // The Pusher endpoint and API (scenario pusher-burst).
  PUSHER_APPS: `${BENCH_PUSHER_APP.id}:${BENCH_PUSHER_APP.key}:${BENCH_PUSHER_APP.secret}`,
};

/**
 * Preloads of every server process: a full GC on SIGUSR2 (see `collectGarbage`), and with a
 * profile directory the CPU profiler (`--cpu-prof` is not allowed in NODE_OPTIONS).
 */
function preloadEnv(options: TargetOptions): Record<string, string> {
  if (options.profileDir === undefined) return { NODE_OPTIONS: `--import=${GC_PRELOAD}` };
  return { NODE_OPTIONS: `--import=${GC_PRELOAD} --import=${PROFILE_PRELOAD}`, SB_CPU_PROFILE_DIR: resolve(options.profileDir) };
}

/** Asks a server process started here to run a full garbage collection (then give it a moment). */
export async function collectGarbage(pid: number): Promise<void> {
  process.kill(pid, 'SIGUSR2');
  await new Promise((r) => setTimeout(r, 500));
}

async function startProcess(name: string, script: string, env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const proc = new ServiceProcess(name, port, script, { ...process.env, ...env, PORT: String(port) });
  await proc.start(30_000);
  return proc;
}

function endpoint(proc: ServiceProcess): Endpoint {
  return { host: HOST, port: proc.port, pid: proc.pid ?? 0 };
}

/** A target that is one process serving both WebSocket clients and publishes. */
function singleProcessTarget(name: string, proc: Awaited<ReturnType<typeof startProcess>>, options: TargetOptions): Target {
  return {
    name,
    edges: [endpoint(proc)],
    publishUrl: proc.url,
    helperPids: [],
    brokerPid: null,
    // With profiling, a graceful stop lets the process write its CPU profile.
    stop: async () => {
      await (options.profileDir === undefined ? proc.kill() : proc.stop());
    },
  };
}

/** The bare `ws` broadcast server (loadtest/src/ceiling-server.ts) as its own process. */
export async function startCeiling(options: TargetOptions = {}): Promise<Target> {
  const proc = await startProcess('ceiling', 'loadtest/src/ceiling-server.ts', { HOST, ...preloadEnv(options) });
  return singleProcessTarget('ceiling (bare ws)', proc, options);
}

/** Switchboard: the all-in-one process (memory bus), or `edges` edge processes + api over a broker. */
export async function startSwitchboard(bus: BusKind, edges: number, options: TargetOptions = {}): Promise<Target> {
  if (bus === 'memory') {
    if (edges !== 1) throw new Error('the memory bus has one node (the all-in-one); use --bus nats or redis for several edges');
    const proc = await startProcess('all-in-one', 'services/all-in-one/src/main.ts', {
      ...BENCH_ENV,
      NODE_ID: 'bench-aio',
      ...preloadEnv(options),
      ...options.env,
    });
    return singleProcessTarget(`switchboard (all-in-one, memory bus)${options.label ?? ''}`, proc, options);
  }
  // Both brokers at the same durability: the message is written to the OS before the ack and
  // synced to disk periodically (JetStream's file store by default; Redis's AOF with
  // `appendfsync everysec`, its default). An fsync per write (Redis `always`) measures the disk.
  const broker: BrokerHandle = bus === 'nats' ? await startNats({ jetstream: true }) : await startRedis({ fsync: 'everysec' });
  try {
    const cluster = await startCluster({ busUrl: broker.url, edges, env: { ...BENCH_ENV, ...preloadEnv(options), ...options.env } });
    return {
      name: `switchboard (${edges} edge${edges > 1 ? 's' : ''} + api, ${bus} bus)${options.label ?? ''}`,
      edges: cluster.edges.map(endpoint),
      publishUrl: cluster.api.url,
      helperPids: [cluster.api.pid ?? 0],
      brokerPid: findPid([bus === 'nats' ? 'nats-server' : 'redis-server', new URL(broker.url).port]),
      stop: async () => {
        if (options.profileDir !== undefined) await Promise.all([...cluster.edges, cluster.api].map((p) => p.stop()));
        await cluster.stop();
        await broker.stop();
      },
    };
  } catch (err) {
    await broker.stop();
    throw err;
  }
}
