import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { BrokerHandle } from './broker.js';
import { stopProcess } from './process.js';

/** One server of a broker cluster the testkit runs. */
export interface BrokerNode {
  /** `redis-<port>` or `nats-<n>`. */
  readonly name: string;
  /** The client port (part of the cluster's BUS_URL). */
  readonly port: number;
  /** kill -9 of this server only. */
  kill(): Promise<void>;
  /** Starts it again on the same ports with the data it had persisted (it rejoins the cluster). */
  restart(): Promise<void>;
}

/** A broker cluster: the whole-cluster handle plus each of its servers. */
export interface BrokerClusterHandle extends BrokerHandle {
  readonly nodes: readonly BrokerNode[];
}

/**
 * The whole-cluster part of a BrokerClusterHandle: `stop` (SIGTERM every server, remove the data
 * folder), `kill` and `restart` of every node (then wait until the cluster is healthy).
 */
export function wholeClusterControls(
  servers: ReadonlyMap<unknown, ChildProcess>,
  nodes: readonly BrokerNode[],
  dir: string,
  waitHealthy: () => Promise<void>,
): Pick<BrokerHandle, 'stop' | 'kill' | 'restart'> {
  return {
    async stop() {
      await Promise.all([...servers.values()].map((s) => stopProcess(s, 'SIGTERM')));
      rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      await Promise.all(nodes.map((n) => n.kill()));
    },
    async restart() {
      await Promise.all(nodes.map((n) => n.restart()));
      await waitHealthy();
    },
  };
}
