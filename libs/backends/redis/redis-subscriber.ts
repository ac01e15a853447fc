import { Redis, type RedisOptions } from 'ioredis';

export interface RedisSubscriberEvents {
  /** A message on a channel (SUBSCRIBE or SSUBSCRIBE). */
  message(channel: Buffer, payload: Buffer): void;
  /** A message matched by a glob (PSUBSCRIBE). */
  pmessage(glob: string, channel: Buffer, payload: Buffer): void;
  /** `healthy` changed. */
  health(): void;
  /** A resubscribe was refused with MOVED: the channel's slot lives elsewhere now. */
  moved?(channel: string): void;
}

/**
 * One pub/sub connection to one Redis node. It keeps the set of channels and globs it should
 * hold and, after every reconnect, subscribes them again; only then is it `healthy`. Sharded
 * mode uses SSUBSCRIBE (every channel must belong to a slot of this node).
 */
export class RedisSubscriberConnection {
  readonly redis: Redis;
  private readonly channels = new Set<string>();
  private readonly globs = new Set<string>();
  private current = false;
  /** Bumped on every connection loss, so a late resubscribe of an old connection is ignored. */
  private generation = 0;
  private closed = false;
  private pinger: NodeJS.Timeout | undefined;

  constructor(
    options: RedisOptions,
    private readonly sharded: boolean,
    private readonly events: RedisSubscriberEvents,
    /** A PING this often (it times out like any command) notices a connection that died silently. */
    private readonly pingIntervalMs = 5000,
  ) {
    this.redis = new Redis(options);
    this.redis.on('ready', () => void this.resubscribe(this.generation));
    this.redis.on('close', () => this.lost());
    this.redis.on('end', () => this.lost());
    this.redis.on('error', (err: Error) => {
      // A reply ioredis could not pair with a command (e.g. a server-side SUNSUBSCRIBE after a
      // slot migration): the subscription state is unknown, so start the connection over.
      if (err.message.startsWith('Command queue state error') && this.redis.status === 'ready') this.redis.disconnect(true);
    });
    this.redis.on('messageBuffer', (channel: Buffer, payload: Buffer) => this.events.message(channel, payload));
    this.redis.on('smessageBuffer', (channel: Buffer, payload: Buffer) => this.events.message(channel, payload));
    this.redis.on('pmessageBuffer', (glob: string | Buffer, channel: Buffer, payload: Buffer) =>
      this.events.pmessage(glob.toString(), channel, payload),
    );
  }

  /** Connected, and every channel and glob is subscribed again. */
  get healthy(): boolean {
    return this.current;
  }

  /** Channels this connection holds (or will hold after a reconnect). */
  get channelCount(): number {
    return this.channels.size + this.globs.size;
  }

  hasChannel(channel: string): boolean {
    return this.channels.has(channel);
  }

  start(): void {
    this.redis.connect().catch(() => undefined);
    this.pinger = setInterval(() => this.ping(), this.pingIntervalMs);
    this.pinger.unref();
  }

  /** Subscribes; resolves once Redis confirmed. Kept for resubscription even if this rejects. */
  async addChannel(channel: string): Promise<void> {
    this.channels.add(channel);
    if (this.sharded) await this.redis.ssubscribe(channel);
    else await this.redis.subscribe(channel);
  }

  async addGlob(glob: string): Promise<void> {
    this.globs.add(glob);
    await this.redis.psubscribe(glob);
  }

  /** Forgets the channel and unsubscribes (best effort: a reconnect will not subscribe it). */
  removeChannel(channel: string): void {
    if (!this.channels.delete(channel) || this.redis.status !== 'ready') return;
    const done = this.sharded ? this.redis.sunsubscribe(channel) : this.redis.unsubscribe(channel);
    done.catch(() => undefined);
  }

  removeGlob(glob: string): void {
    if (!this.globs.delete(glob) || this.redis.status !== 'ready') return;
    this.redis.punsubscribe(glob).catch(() => undefined);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.pinger);
    this.setHealthy(false);
    this.redis.disconnect();
  }

  private ping(): void {
    if (this.redis.status !== 'ready') return;
    this.redis.ping().catch(() => {
      if (this.redis.status === 'ready' && !this.closed) this.redis.disconnect(true);
    });
  }

  private lost(): void {
    this.generation++;
    this.setHealthy(false);
  }

  private async resubscribe(generation: number): Promise<void> {
    const channels = [...this.channels];
    const globs = [...this.globs];
    const tasks: Array<Promise<unknown>> = [];
    const moved: string[] = [];
    if (this.sharded) {
      for (const channel of channels) {
        tasks.push(
          this.redis.ssubscribe(channel).catch((err: Error) => {
            if (!err.message.startsWith('MOVED')) throw err;
            moved.push(channel);
          }),
        );
      }
    } else if (channels.length > 0) {
      tasks.push(this.redis.subscribe(...channels));
    }
    if (globs.length > 0) tasks.push(this.redis.psubscribe(...globs));
    try {
      await Promise.all(tasks);
    } catch {
      // The connection dropped again (its 'ready' will retry) or Redis refused: start over.
      if (generation === this.generation && this.redis.status === 'ready') this.redis.disconnect(true);
      return;
    }
    if (generation !== this.generation || this.closed) return;
    for (const channel of moved) {
      this.channels.delete(channel);
      this.events.moved?.(channel);
    }
    this.setHealthy(true);
  }

  private setHealthy(value: boolean): void {
    if (this.current === value) return;
    this.current = value;
    this.events.health();
  }
}
