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
 * be handed out again with other data. `WAIT n timeout`, sent on the master's connection right
 * behind the script (one pipeline, one round trip more on the replication link), answers how
 * many replicas hold everything written so far.
 *
 * On a cluster the count asked is capped by the replicas the slot map lists for the shard
 * (failed ones are not listed): a shard whose replica died, or whose replica was just promoted,
 * keeps accepting on its master alone (with AOF it keeps what it acknowledged across a restart,
 * and no replica exists that could be promoted without the write). A plain `redis://` master is
 * asked for the full count.
 */
export class ReplicaWait {
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
   * wanted, WAIT right behind it on the same connection. Resolves with the command's reply once
   * enough replicas hold it; rejects with ReplicaWaitError when fewer confirmed in time (the write
   * may still survive: the caller must not acknowledge it, and may not call it lost either).
   */
  async run<T>(key: string, command: string, args: Array<string | number>): Promise<T> {
    const replicas = this.replicasFor(key);
    const call = (this.client as unknown as Record<string, (...a: Array<string | number>) => Promise<T>>)[command];
    if (call === undefined) throw new Error(`no command ${command} defined`);
    if (replicas === 0) return call.apply(this.client, args);
    const replies = await this.client
      .pipeline([
        [command, ...args],
        ['wait', replicas, this.timeoutMs],
      ])
      .exec();
    const [written, waited] = replies ?? [];
    if (written === undefined || waited === undefined) throw new Error('the pipeline was not executed');
    if (written[0] !== null) throw written[0];
    if (waited[0] !== null) throw waited[0];
    const confirmed = Number(waited[1]);
    if (confirmed < replicas) {
      throw new ReplicaWaitError(
        `written on the master but confirmed by ${confirmed} of ${replicas} replica(s) within ${this.timeoutMs} ms`,
      );
    }
    return written[1] as T;
  }
}
