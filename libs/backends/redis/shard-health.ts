import type { Cluster } from 'ioredis';

/** What the bus needs of a subscriber connection to judge its shard. */
export interface ShardSubscriber {
  readonly healthy: boolean;
}

/**
 * Which shards of a Redis Cluster the bus can serve right now. A shard (a master and its slots)
 * is available when the command client is connected to its master and the bus's subscriber
 * connection to it has resubscribed every channel. While a master is dead and its replica not
 * yet promoted (cluster-node-timeout + an election + the next slot map refresh), only the topics
 * of its slots are unavailable; the other shards go on.
 */
export class ShardHealth {
  /** Masters (`host:port`) whose shard is not available. */
  private lostMasters = new Set<string>();
  /** Set while any shard was lost, cleared by `whole()` once every shard is back. */
  private interrupted = false;

  constructor(private readonly client: Cluster) {}

  /** The master that owns a slot, per the client's slot map. */
  ownerOf(slot: number): string | undefined {
    return this.client.slots[slot]?.[0];
  }

  /** Re-judges every shard; `pending` masters still resubscribe moved channels. */
  update(subscribers: ReadonlyMap<string, ShardSubscriber>, pending: ReadonlySet<string>): void {
    const ready = new Set(
      this.client
        .nodes('master')
        .filter((node) => node.status === 'ready')
        .map((node) => `${node.options.host}:${node.options.port}`),
    );
    const lost = new Set<string>();
    for (const owners of this.client.slots) {
      const master = owners?.[0];
      if (master === undefined || lost.has(master)) continue;
      if (!ready.has(master) || subscribers.get(master)?.healthy !== true || pending.has(master)) lost.add(master);
    }
    this.lostMasters = lost;
    if (lost.size > 0) this.interrupted = true;
  }

  /** True when at least one shard is available (the bus is `up`, maybe partly). */
  get anyAvailable(): boolean {
    const masters = new Set(this.client.slots.map((owners) => owners?.[0]).filter((m) => m !== undefined));
    return masters.size > this.lostMasters.size;
  }

  /** True when the shard serving `slot` is known and available. */
  available(slot: number): boolean {
    const owner = this.ownerOf(slot);
    return owner !== undefined && !this.lostMasters.has(owner);
  }

  /** The masters whose shard is lost, for messages. */
  get lost(): string[] {
    return [...this.lostMasters];
  }

  /**
   * True once, when every shard is available again after some were lost: the subscriptions of
   * the lost shards missed messages, so the bus tells its listeners to resync.
   */
  whole(): boolean {
    if (!this.interrupted || this.lostMasters.size > 0) return false;
    this.interrupted = false;
    return true;
  }
}
