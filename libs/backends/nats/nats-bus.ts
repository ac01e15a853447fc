import {
  type Bus,
  type BusHandler,
  type BusOptions,
  type BusState,
  type BusSubscription,
  BusUnavailableError,
  HandlerErrors,
} from '@switchboard/bus';
import { isReservedTopic } from '@switchboard/protocol';
import { connect, Events, type MsgHdrs, type NatsConnection, type Subscription } from 'nats';
import { subjectPrefixes } from './jetstream-names.js';
import { republishedMessages } from './republished.js';

export interface NatsBusOptions extends BusOptions {
  /** Client name shown by the server's monitoring pages. */
  name?: string;
  /**
   * Wait for the server's PONG before `publish` resolves (default true): the promise then means
   * "the broker has read and routed the message", not just "written to a socket buffer". The
   * PING is shared by every publish of the same tick, so a burst costs one round trip.
   */
  confirmPublish?: boolean;
  /** Longest wait for that confirmation (and for `subscribe`); then the call rejects. Default 5000. */
  timeoutMs?: number;
  /** Base wait between reconnect attempts (plus up to as much random jitter). Default 250. */
  reconnectTimeWaitMs?: number;
  /** Interval of client PINGs; a peer that misses 2 in a row is declared dead. Default 5000. */
  pingIntervalMs?: number;
}

/** `nats://a:4222,b:4222` (or `a:4222,nats://b:4222`) as the server list nats.js takes. */
export function natsServers(url: string): string[] {
  const servers = url
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (servers.length === 0) throw new Error(`no NATS server in "${url}"`);
  return servers;
}

/**
 * A Bus over core NATS. Topic `t` is the subject `<prefix>.m.t`; `*` and `>` are NATS wildcards
 * already, so patterns map one to one and the server does the matching.
 *
 * Two kinds of message arrive on those subjects: what `publish` sent (no headers), delivered as
 * sent, and the records the history stream republishes once stored (JetStreamHistory; they
 * carry `Sb-Offset`), delivered as the bus messages they hold, in offset order. A record that
 * does not parse is dropped and counted (`unreadableRecords`): the edge then fills the gap from
 * history, as for a lost message.
 *
 * State follows the connection: `up` while connected, `down` from a disconnect until nats.js has
 * reconnected (it retries forever, 250–500 ms apart) AND the server has confirmed the
 * re-sent subscriptions (a PING/PONG after the re-SUBs), so `up` again means every existing
 * subscription receives again. `publish` and `subscribe` reject at once with
 * BusUnavailableError while not `up`: nats.js would buffer them during a reconnect and drop the
 * buffer on the next attempt, i.e. lose them silently.
 */
export class NatsBus implements Bus {
  readonly kind = 'nats';
  private current: BusState = 'connecting';
  private readonly listeners = new Set<(state: BusState) => void>();
  private readonly subjectPrefix: string;
  private readonly confirm: boolean;
  private readonly timeoutMs: number;
  private readonly errors: HandlerErrors;
  /** Bumped on every disconnect/reconnect so a late reconnect confirmation cannot win. */
  private generation = 0;
  /** The flush that publishes of the current tick share (its PING not sent yet). */
  private pendingFlush: Promise<void> | null = null;
  /** Rejects pending confirmations when the connection drops (instead of waiting the timeout). */
  private readonly dropWaiters = new Set<(error: Error) => void>();

  private constructor(
    private readonly nc: NatsConnection,
    options: NatsBusOptions,
  ) {
    this.subjectPrefix = subjectPrefixes(options.prefix ?? 'sb').bus;
    this.confirm = options.confirmPublish ?? true;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.errors = new HandlerErrors(options.onHandlerError);
  }

  /** Connects to one of the servers of `url`; rejects when none answers. */
  static async connect(url: string, options: NatsBusOptions = {}): Promise<NatsBus> {
    const wait = options.reconnectTimeWaitMs ?? 250;
    const nc = await connect({
      servers: natsServers(url),
      name: options.name,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: wait,
      reconnectJitter: wait,
      pingInterval: options.pingIntervalMs ?? 5000,
      // No stack captured per request (an Error per publish, measurable on a hot topic).
      noAsyncTraces: true,
      maxPingOut: 2,
      timeout: options.timeoutMs ?? 5000,
    });
    const bus = new NatsBus(nc, options);
    bus.watch();
    bus.setState('up');
    return bus;
  }

  get state(): BusState {
    return this.current;
  }

  /** Republished history records that did not parse (dropped; the edge fills the gap from history). */
  unreadableRecords = 0;

  get handlerErrors(): number {
    return this.errors.count;
  }

  async publish(topic: string, payload: Uint8Array): Promise<void> {
    if (this.current !== 'up') throw new BusUnavailableError(`nats bus is ${this.current}`);
    try {
      this.nc.publish(this.subjectPrefix + topic, payload);
    } catch (err) {
      throw new BusUnavailableError(`nats publish failed: ${(err as Error).message}`, { cause: err });
    }
    if (!this.confirm) return;
    let flush = this.pendingFlush;
    if (flush === null) {
      // Every publish made before this microtask runs is written before the PING, so one PONG
      // confirms them all.
      flush = Promise.resolve().then(() => {
        this.pendingFlush = null;
        return this.confirmed(this.nc.flush(), 'publish');
      });
      this.pendingFlush = flush;
    }
    await flush;
  }

  async subscribe(pattern: string, handler: BusHandler): Promise<BusSubscription> {
    if (this.current !== 'up') throw new BusUnavailableError(`nats bus is ${this.current}`);
    const prefixLength = this.subjectPrefix.length;
    const exact = !pattern.includes('*') && !pattern.includes('>');
    const errors = this.errors;
    let sub: Subscription;
    try {
      sub = this.nc.subscribe(this.subjectPrefix + pattern, {
        callback: (err, msg) => {
          if (err !== null) return;
          // An exact subscription knows its topic; only a wildcard needs the subject sliced.
          const topic = exact ? pattern : msg.subject.slice(prefixLength);
          // NATS's own wildcards would match a reserved (`$…`) topic; ours never do.
          if (!exact && isReservedTopic(topic)) return;
          // A throw here would stop nats.js's reader loop for every subscription.
          if (msg.headers === undefined) errors.deliver(handler, topic, msg.data);
          else this.deliverRecord(handler, topic, msg.headers, msg.data);
        },
      });
    } catch (err) {
      throw new BusUnavailableError(`nats subscribe failed: ${(err as Error).message}`, { cause: err });
    }
    try {
      await this.confirmed(this.nc.flush(), 'subscribe');
    } catch (err) {
      safeUnsubscribe(sub);
      throw err;
    }
    let active = true;
    return {
      unsubscribe: async () => {
        if (!active) return;
        active = false;
        safeUnsubscribe(sub);
      },
    };
  }

  /** A record the history stream republished: its messages, in offset order. */
  private deliverRecord(handler: BusHandler, topic: string, headers: MsgHdrs, data: Uint8Array): void {
    let messages: Buffer[] | null;
    try {
      messages = republishedMessages(topic, headers, data);
    } catch {
      // Not readable: like a lost bus message, the edge fills the gap from history.
      this.unreadableRecords++;
      return;
    }
    if (messages === null) this.errors.deliver(handler, topic, data);
    else for (const message of messages) this.errors.deliver(handler, topic, message);
  }

  onStateChange(listener: (state: BusState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drains (bounded by 2 s when up) and closes; publishes reject from the first moment. */
  async close(): Promise<void> {
    if (this.current === 'closed') return;
    const wasUp = this.current === 'up';
    this.setState('closed');
    if (wasUp && !this.nc.isClosed()) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.nc.drain().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 2000);
        }),
      ]);
      clearTimeout(timer);
    }
    // drain() leaves the connection open when its final flush fails: close it for good.
    if (!this.nc.isClosed()) await this.nc.close().catch(() => undefined);
  }

  /** Waits for a PONG, but rejects as soon as the connection drops or the timeout passes. */
  private confirmed(flush: Promise<void>, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        finish();
        reject(new BusUnavailableError(`nats ${what} not confirmed: ${error.message}`, { cause: error }));
      };
      const timer = setTimeout(() => fail(new Error(`no answer in ${this.timeoutMs} ms`)), this.timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.dropWaiters.delete(fail);
      };
      this.dropWaiters.add(fail);
      flush.then(
        () => {
          finish();
          resolve();
        },
        (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))),
      );
    });
  }

  private watch(): void {
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === Events.Disconnect) {
          this.generation++;
          for (const fail of [...this.dropWaiters]) fail(new Error('disconnected'));
          if (this.current !== 'closed') this.setState('down');
        } else if (status.type === Events.Reconnect) {
          const generation = ++this.generation;
          // nats.js re-sent the SUBs before this event; the PONG proves the server has them.
          this.nc.flush().then(
            () => {
              if (generation === this.generation && this.current === 'down') this.setState('up');
            },
            () => undefined,
          );
        }
      }
    })();
    void this.nc.closed().then(() => {
      if (this.current !== 'closed') this.setState('closed');
    });
  }

  private setState(state: BusState): void {
    if (this.current === state) return;
    this.current = state;
    for (const listener of this.listeners) listener(state);
  }
}

function safeUnsubscribe(sub: Subscription): void {
  try {
    sub.unsubscribe();
  } catch {
    // the connection is closed: the subscription is gone with it
  }
}
