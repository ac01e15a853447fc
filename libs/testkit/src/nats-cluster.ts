import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerUnavailableError } from './broker.js';
import { type BrokerClusterHandle, type BrokerNode, wholeClusterControls } from './broker-cluster.js';
import { freePort } from './ports.js';
import { hasCommand, spawnListening, type spawnTracked, stopProcess } from './process.js';

export interface NatsClusterOptions {
  /** Servers in the cluster. Default 3. */
  servers?: number;
}

/** A NATS cluster the testkit runs, with its monitoring endpoints. */
export interface NatsClusterHandle extends BrokerClusterHandle {
  /** `http://127.0.0.1:<monitor port>` of each server (`/jsz`, `/routez`), in `nodes` order. */
  readonly monitorUrls: readonly string[];
  /** Resolves once every live server routes to all the others and JetStream has a meta leader (bounded). */
  waitHealthy(timeoutMs?: number): Promise<void>;
}

/**
 * A cluster of `servers` local `nats-server` processes with JetStream (each with its own store
 * in a temp folder that survives a restart), routed to each other on loopback, cluster name
 * `sb`. The BUS_URL lists every server. `kill()`/`restart()` hit every server;
 * `nodes[i].kill()`/`.restart()` one.
 */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsClusterHandle> {
  if (!hasCommand('nats-server')) throw new BrokerUnavailableError('no nats-server binary (apt-get install nats-server)');
  const count = options.servers ?? 3;
  const taken = new Set<number>();
  const port = async () => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  const specs: Array<{ client: number; route: number; monitor: number; name: string }> = [];
  for (let i = 0; i < count; i++) specs.push({ client: await port(), route: await port(), monitor: await port(), name: `nats-${i + 1}` });
  const dir = mkdtempSync(join(tmpdir(), 'sb-nats-cluster-'));
  const routes = specs.map((s) => `nats://127.0.0.1:${s.route}`).join(',');
  const spawnServer = (spec: (typeof specs)[number]) => {
    const store = join(dir, spec.name);
    mkdirSync(store, { recursive: true });
    const args = ['-a', '127.0.0.1', '-p', String(spec.client), '-m', String(spec.monitor), '-n', spec.name, '-js', '-sd', store];
    args.push('--cluster_name', 'sb', '--cluster', `nats://127.0.0.1:${spec.route}`, '--routes', routes);
    return spawnListening('nats-server', args, spec.client);
  };
  const servers = new Map<string, ReturnType<typeof spawnTracked>>();
  await Promise.all(specs.map(async (spec) => servers.set(spec.name, await spawnServer(spec))));
  const alive = new Set(specs.map((s) => s.name));
  const monitorUrls = specs.map((s) => `http://127.0.0.1:${s.monitor}`);

  const waitHealthy = async (timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (const spec of specs) {
      if (!alive.has(spec.name)) continue;
      for (;;) {
        const ok = await healthy(`http://127.0.0.1:${spec.monitor}`, alive.size - 1);
        if (ok) break;
        if (Date.now() > deadline) throw new Error(`NATS server ${spec.name} not clustered after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  await waitHealthy();

  const nodes: BrokerNode[] = specs.map((spec) => ({
    name: spec.name,
    port: spec.client,
    async kill() {
      alive.delete(spec.name);
      const server = servers.get(spec.name);
      if (server !== undefined) await stopProcess(server, 'SIGKILL');
    },
    async restart() {
      const server = servers.get(spec.name);
      if (server !== undefined) await stopProcess(server, 'SIGKILL');
      servers.set(spec.name, await spawnServer(spec));
      alive.add(spec.name);
    },
  }));
  return {
    url: specs.map((s) => `nats://127.0.0.1:${s.client}`).join(','),
    source: 'binary',
    nodes,
    monitorUrls,
    waitHealthy,
    ...wholeClusterControls(servers, nodes, dir, () => waitHealthy()),
  };
}

/** The server routes to `peers` others and JetStream knows its meta leader. */
async function healthy(monitorUrl: string, peers: number): Promise<boolean> {
  try {
    const routez = (await (await fetch(`${monitorUrl}/routez`)).json()) as { num_routes?: number };
    if ((routez.num_routes ?? 0) < peers) return false;
    const jsz = (await (await fetch(`${monitorUrl}/jsz`)).json()) as { meta_cluster?: { leader?: string } };
    return (jsz.meta_cluster?.leader ?? '') !== '';
  } catch {
    return false;
  }
}
