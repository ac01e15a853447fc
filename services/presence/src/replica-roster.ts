import type { Bus, BusSubscription } from '@switchboard/bus';
import { PRESENCE_REPLICAS_TOPIC } from '@switchboard/presence-report';

/** A replica is taken for gone after this many of its intervals without an announcement. */
const SILENT_INTERVALS = 3;
/** Announcements longer than this are not ours: ignored. */
const MAX_ANNOUNCEMENT_BYTES = 512;

interface Peer {
  startedAt: number;
  heardAt: number;
  intervalMs: number;
}

export interface ReplicaRosterOptions {
  /** This replica's id (unique per process). */
  id: string;
  startedAt: number;
  intervalMs: number;
  now?: () => number;
}

/**
 * The presence replicas alive on the bus, so that what must leave the cluster once (the Pusher
 * webhooks, which carry no id a receiver could dedupe on) is sent by one replica: the **sender**
 * is the oldest live replica (smallest `startedAt`, then smallest id). Every replica announces
 * itself on `$sb.presence.replicas` each interval and says bye when it stops; a replica silent
 * for 3 of its intervals is dropped, and the next oldest becomes the sender. Contract: while
 * every replica hears every other, exactly one is the sender; when the sender dies without a
 * bye, nothing is sent for up to 3 intervals (events in that window are lost, not duplicated);
 * during a bus split both sides may send.
 */
export class ReplicaRoster {
  private readonly peers = new Map<string, Peer>();
  private readonly now: () => number;
  private subscription: BusSubscription | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly options: ReplicaRosterOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    this.subscription = await this.bus.subscribe(PRESENCE_REPLICAS_TOPIC, (_topic, payload) => this.onAnnouncement(payload));
    this.announce(false);
    this.timer = setInterval(() => this.announce(false), this.options.intervalMs);
    this.timer.unref();
  }

  /** True when no live replica is older than this one. */
  isSender(): boolean {
    const { id, startedAt } = this.options;
    for (const [peerId, peer] of this.livePeers()) {
      if (peer.startedAt < startedAt || (peer.startedAt === startedAt && peerId < id)) return false;
    }
    return true;
  }

  /** Live replicas besides this one (for metrics and tests). */
  get peerCount(): number {
    return this.livePeers().size;
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.announce(true);
    await this.subscription?.unsubscribe();
    this.subscription = null;
  }

  /** The peers heard within 3 of their intervals; the silent ones are forgotten. */
  private livePeers(): Map<string, Peer> {
    const now = this.now();
    for (const [peerId, peer] of this.peers) {
      if (now - peer.heardAt > SILENT_INTERVALS * peer.intervalMs) this.peers.delete(peerId);
    }
    return this.peers;
  }

  private announce(bye: boolean): void {
    const { id, startedAt, intervalMs } = this.options;
    const payload = Buffer.from(JSON.stringify({ v: 1, id, startedAt, intervalMs, bye }));
    this.bus.publish(PRESENCE_REPLICAS_TOPIC, payload).catch(() => {
      // Bus down: peers drop this replica after 3 intervals, as if it had stopped.
    });
  }

  private onAnnouncement(payload: Uint8Array): void {
    if (payload.length > MAX_ANNOUNCEMENT_BYTES) return;
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('utf8'));
    } catch {
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const { id, startedAt, intervalMs, bye } = value as Record<string, unknown>;
    if (typeof id !== 'string' || id === this.options.id || typeof startedAt !== 'number' || typeof intervalMs !== 'number') return;
    if (!(intervalMs > 0)) return;
    if (bye === true) this.peers.delete(id);
    else this.peers.set(id, { startedAt, heardAt: this.now(), intervalMs });
  }
}
