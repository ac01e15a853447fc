import type { BrokerHandle } from './broker.js';

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
