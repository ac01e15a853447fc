import { type ChildProcess, fork } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Histogram, mergeHistograms } from './latency.js';
import type {
  ConnectReply,
  ConnectRequest,
  ExpectReply,
  StatsReply,
  SubscriptionSpec,
  WorkerReply,
  WorkerRequest,
} from './worker-protocol.js';

const WORKER = fileURLToPath(new URL('./client-worker.ts', import.meta.url));
const PRELOAD = fileURLToPath(new URL('./cpu-profile-preload.mjs', import.meta.url));

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

type Pending = { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void };

/** One forked client worker and its request/reply channel. */
class Worker {
  readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  constructor(profileDir: string | null) {
    const profile = profileDir === null ? [] : ['--import', PRELOAD];
    this.child = fork(WORKER, [], {
      execArgv: [...profile, '--import', 'tsx'],
      env: profileDir === null ? process.env : { ...process.env, SB_CPU_PROFILE_DIR: resolve(profileDir) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (reply: WorkerReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      waiter?.resolve(reply);
    });
    this.child.on('exit', (code) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`client worker exited with ${code}`));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  request<R extends WorkerReply>(req: WithoutId<WorkerRequest>): Promise<R> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (reply: WorkerReply) => void, reject });
      this.child.send({ ...req, id });
    });
  }
}

export interface ConnectResult {
  /** Connections asked of each worker (for `expect`). */
  shares: number[];
  opened: number;
  failed: number;
  elapsedMs: number;
  firstError: string | null;
}

export interface DeliveryStats {
  deliveries: number;
  latency: Histogram;
  open: number;
  closedByServer: number;
  protocolErrors: number;
}

/** The runner's client workers: connections are spread evenly over them. */
export class WorkerPool {
  readonly workers: Worker[];

  /** With `profileDir`, each worker writes a CPU profile there when it exits. */
  constructor(count: number, profileDir: string | null = null) {
    this.workers = Array.from({ length: count }, () => new Worker(profileDir));
  }

  get pids(): number[] {
    return this.workers.map((w) => w.pid);
  }

  /** Opens `count` connections in total (split over the workers) to ws://host:port/path. */
  async connect(
    group: string,
    target: { host: string; port: number; path?: string },
    count: number,
    subscriptions: SubscriptionSpec | null,
    options: { concurrency?: number; timeoutMs?: number } = {},
  ): Promise<ConnectResult> {
    const shares = this.split(count);
    const started = performance.now();
    const replies = await Promise.all(
      this.workers.map((worker, i) => {
        const share = shares[i] ?? 0;
        const req: Omit<ConnectRequest, 'id'> = {
          cmd: 'connect',
          group,
          host: target.host,
          port: target.port,
          path: target.path ?? '/ws',
          count: share,
          concurrency: options.concurrency ?? 64,
          subscriptions,
          timeoutMs: options.timeoutMs ?? 60_000,
        };
        return worker.request<ConnectReply>(req);
      }),
    );
    return {
      shares,
      opened: replies.reduce((n, r) => n + r.opened, 0),
      failed: replies.reduce((n, r) => n + r.failed, 0),
      elapsedMs: performance.now() - started,
      firstError: replies.find((r) => r.firstError !== null)?.firstError ?? null,
    };
  }

  /**
   * Waits until each worker has counted `perConnection` deliveries (since the last reset) for
   * each of its `shares` connections; bounded by `timeoutMs`.
   */
  async expect(shares: number[], perConnection: number, timeoutMs: number): Promise<{ deliveries: number; reached: boolean }> {
    const replies = await Promise.all(
      this.workers.map((w, i) => w.request<ExpectReply>({ cmd: 'expect', count: (shares[i] ?? 0) * perConnection, timeoutMs })),
    );
    return { deliveries: replies.reduce((n, r) => n + r.deliveries, 0), reached: replies.every((r) => r.reached) };
  }

  async reset(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.request({ cmd: 'reset' })));
  }

  async stats(): Promise<DeliveryStats> {
    const replies = await Promise.all(this.workers.map((w) => w.request<StatsReply>({ cmd: 'stats' })));
    return {
      deliveries: replies.reduce((n, r) => n + r.deliveries, 0),
      latency: mergeHistograms(replies.map((r) => r.histogram)),
      open: replies.reduce((n, r) => n + r.open, 0),
      closedByServer: replies.reduce((n, r) => n + r.closedByServer, 0),
      protocolErrors: replies.reduce((n, r) => n + r.protocolErrors, 0),
    };
  }

  /** Drops the connections of `group` (every connection when null); the workers stay. */
  async close(group: string | null = null): Promise<void> {
    await Promise.all(this.workers.map((w) => w.request({ cmd: 'close', group })));
  }

  stop(): void {
    for (const worker of this.workers) worker.child.kill();
  }

  private split(count: number): number[] {
    const n = this.workers.length;
    return this.workers.map((_, i) => Math.floor(count / n) + (i < count % n ? 1 : 0));
  }
}
