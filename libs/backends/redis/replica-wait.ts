import { Cluster } from 'ioredis';
import type { RedisCommandClient } from './redis-client.js';
import { redisKeySlot } from './redis-slot.js';

/** A write was stored on the master but not confirmed by enough replicas in time: not acknowledged. */
export class ReplicaWaitError extends Error {
  override readonly name = 'ReplicaWaitError';
}

/**
 * Acknowledge a history write only once it reached replicas (HISTORY_REPLICAS = the master plus
 * HISTORY_REPLICAS − 1 replicas). Redis replicates asynchronously, so a replica promoted after its
 * master died may lack the master's last writes; an offset acknowledged from such a write would
 * be handed out again with other data. `WAIT n timeout`, sent
 * on the same master once the script answered (one WAIT per master and event-loop turn, see
 * `run`), answers how many replicas hold everything that connection wrote so far.
 *
 * On a cluster the count asked is capped by the replicas the slot map lists for the shard
 * (failed ones are not listed): a shard whose replica died, or whose replica was just promoted,
 * keeps accepting on its master alone (with AOF it keeps what it acknowledged across a restart,
 * and no replica exists that could be promoted without the write). A plain `redis://` master is
 * asked for the full count.
 */
export class ReplicaWait {
  /** The open batch of appends per master, waiting for the WAIT of this turn. */
  private readonly batches = new Map<string, Batch>();

  constructor(
    private readonly client: RedisCommandClient,
    /** Servers that must hold a write: 1 = the master alone (no WAIT). */
    private readonly copies: number,
    private readonly timeoutMs = 1000,
  ) {}

  /** Replicas to wait for on the master that owns `key` (0: none). */
  replicasFor(key: string): number {
    const wanted = this.copies - 1;
    if (wanted <= 0 || !(this.client instanceof Cluster)) return Math.max(0, wanted);
    const listed = (this.client.slots[redisKeySlot(key)]?.length ?? 1) - 1;
    return Math.min(wanted, listed);
  }

  /**
   * Runs `command` (a script defined on the client, its first key `key`) and, when replicas are
   * wanted, then WAITs on the master that ran it. One WAIT covers every write its connection
   * carried before it, so the appends of one event-loop turn to one master share one WAIT (sent
   * once their replies are in): the cost is one replication round trip per batch, not per
   * append. Resolves with the command's reply once enough replicas hold it; rejects with
   * ReplicaWaitError when fewer confirmed in time (the write may still survive: the caller must
   * not acknowledge it, and may not call it lost either).
   */
  async run<T>(key: string, command: string, args: Array<string | number | Buffer>): Promise<T> {
    const call = (this.client as unknown as Record<string, (...a: Array<string | number | Buffer>) => Promise<T>>)[command];
    if (call === undefined) throw new Error(`no command ${command} defined`);
    const reply = await call.apply(this.client, args);
    const replicas = this.replicasFor(key);
    if (replicas > 0) await this.waitFor(this.masterOf(key), replicas);
    return reply;
  }

  /** The master that serves `key` now (`host:port`; the single node of plain Redis: ''). */
  private masterOf(key: string): string {
    return this.client instanceof Cluster ? (this.client.slots[redisKeySlot(key)]?.[0] ?? '') : '';
  }

  /** Joins (or opens) the batch of this turn for a master; its WAIT goes out on the next turn. */
  private waitFor(master: string, replicas: number): Promise<void> {
    let batch = this.batches.get(master);
    if (batch === undefined) {
      const opened: Batch = { replicas, done: Promise.resolve() };
      opened.done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush(master, opened));
      this.batches.set(master, opened);
      batch = opened;
    }
    batch.replicas = Math.max(batch.replicas, replicas);
    return batch.done;
  }

  private async flush(master: string, batch: Batch): Promise<void> {
    if (this.batches.get(master) === batch) this.batches.delete(master);
    const node =
      this.client instanceof Cluster
        ? this.client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === master)
        : this.client;
    if (node === undefined) throw new ReplicaWaitError(`the master ${master} is gone: replication not confirmed`);
    const confirmed = Number(await node.wait(batch.replicas, this.timeoutMs));
    if (confirmed < batch.replicas) {
      throw new ReplicaWaitError(
        `written on the master but confirmed by ${confirmed} of ${batch.replicas} replica(s) within ${this.timeoutMs} ms`,
      );
    }
  }
}

interface Batch {
  /** The most replicas any append of the batch wants. */
  replicas: number;
  /** Settles with the batch's WAIT. */
  done: Promise<void>;
}
