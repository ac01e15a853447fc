import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { spawnTracked, stopProcess } from './process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

type Child = ReturnType<typeof spawnTracked>;

/** One service process of a test cluster. */
export class ServiceProcess {
  private child: Child | null = null;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly script: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and waits until `/readyz` answers 200 (bounded; generous, as a loaded machine compiles slowly). */
  async start(timeoutMs = 60_000): Promise<void> {
    this.child = spawnTracked(process.execPath, ['--import', 'tsx', this.script], { cwd: ROOT, env: this.env });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited with ${this.child.exitCode}: ${this.child.output()}`);
      const ready = await fetch(`${this.url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`${this.name} not ready after ${timeoutMs} ms: ${this.child.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM (graceful drain); resolves with the exit code. */
  stop(): Promise<number | null> {
    return this.child === null ? Promise.resolve(null) : stopProcess(this.child, 'SIGTERM', 30_000);
  }

  /** kill -9. */
  async kill(): Promise<void> {
    if (this.child !== null) await stopProcess(this.child, 'SIGKILL');
  }

  /** Everything the process printed (its JSON logs), for assertions and failure messages. */
  output(): string {
    return this.child?.output() ?? '';
  }
}

export interface ClusterOptions {
  /** The BUS_URL every process uses (a testkit broker's url). */
  busUrl: string;
  edges?: number;
  /** Presence service replicas to start (default 0). */
  presence?: number;
  /** Extra environment for every process. */
  env?: Record<string, string>;
  /** How long each process may take to become ready (default 20 s; more on a loaded machine). */
  startTimeoutMs?: number;
}

export interface TestCluster {
  edges: ServiceProcess[];
  api: ServiceProcess;
  /** The presence replicas (`presence-1`, …), empty unless asked for. */
  presence: ServiceProcess[];
  stop(): Promise<void>;
}

/** Starts N edge processes and one api process on loopback, all on `busUrl`. */
export async function startCluster(options: ClusterOptions): Promise<TestCluster> {
  const base = { ...process.env, HOST: '127.0.0.1', BUS_URL: options.busUrl, LOG_LEVEL: 'warn', ...options.env };
  const edges: ServiceProcess[] = [];
  for (let i = 0; i < (options.edges ?? 3); i++) {
    const port = await freePort();
    edges.push(
      new ServiceProcess(`edge-${i + 1}`, port, 'services/edge/src/main.ts', { ...base, PORT: String(port), NODE_ID: `edge-${i + 1}` }),
    );
  }
  const apiPort = await freePort();
  const api = new ServiceProcess('api', apiPort, 'services/api/src/main.ts', { ...base, PORT: String(apiPort), NODE_ID: 'api-1' });
  const presence: ServiceProcess[] = [];
  for (let i = 0; i < (options.presence ?? 0); i++) {
    const port = await freePort();
    const env = { ...base, PORT: String(port), NODE_ID: `presence-${i + 1}` };
    presence.push(new ServiceProcess(`presence-${i + 1}`, port, 'services/presence/src/main.ts', env));
  }
  const all = [...edges, api, ...presence];
  try {
    await Promise.all(all.map((p) => p.start(options.startTimeoutMs)));
  } catch (err) {
    await Promise.all(all.map((p) => p.kill()));
    throw err;
  }
  return {
    edges,
    api,
    presence,
    async stop() {
      await Promise.all(all.map((p) => p.kill()));
    },
  };
}
