import { createInbox, ErrorCode, type Msg, type MsgHdrs, type NatsConnection, NatsError, type PubAck, type Subscription } from 'nats';

interface Waiter {
  resolve(ack: PubAck): void;
  reject(error: unknown): void;
  deadline: number;
}

/** How often in-flight publishes are checked against their deadline. */
const SWEEP_MS = 100;

/**
 * JetStream publishes with their acks matched on this connection's own reply subjects
 * (`<inbox>.<n>`, one wildcard subscription), instead of nats.js's `js.publish`: that one makes
 * a request object, a timer and (on every success) a "cancelled" error with a stack per
 * message, which on a hot topic cost as much CPU as the rest of the append. Here a publish is
 * one PUB with a reply subject and one map entry; deadlines are checked by one interval
 * (SWEEP_MS, so a timeout fires up to that much late).
 *
 * Outcomes are those of `js.publish`: the ack, or a NatsError, with `api_error` when the
 * server refused the message (e.g. a failed `Nats-Expected-*` check), code `503` when no
 * stream listens on the subject, code `TIMEOUT` past `timeoutMs`.
 */
export class JetStreamPublisher {
  private readonly prefix = `${createInbox()}.`;
  private readonly waiting = new Map<number, Waiter>();
  private readonly sub: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private next = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    this.sub = nc.subscribe(`${this.prefix}*`, { callback: (err, msg) => this.answer(err, msg) });
    this.sweeper = setInterval(this.sweep, SWEEP_MS).unref();
  }

  /** Publishes `payload` with `headers` to the stream listening on `subject`; resolves with its ack. */
  publish(subject: string, payload: Uint8Array, headers: MsgHdrs): Promise<PubAck> {
    const token = this.next++;
    return new Promise<PubAck>((resolve, reject) => {
      try {
        this.nc.publish(subject, payload, { reply: this.prefix + token, headers });
      } catch (err) {
        reject(err);
        return;
      }
      this.waiting.set(token, { resolve, reject, deadline: Date.now() + this.timeoutMs });
    });
  }

  /** Rejects every publish in flight with `error` (the connection dropped, the leader changed). */
  failAll(error: Error): void {
    const waiters = [...this.waiting.values()];
    this.waiting.clear();
    for (const waiter of waiters) waiter.reject(error);
  }

  /** Stops listening; publishes in flight reject with `error`. */
  close(error: Error): void {
    clearInterval(this.sweeper);
    this.failAll(error);
    try {
      this.sub.unsubscribe();
    } catch {
      // the connection is closed: the subscription is gone with it
    }
  }

  private answer(err: NatsError | null, msg: Msg): void {
    const token = Number(msg.subject.slice(this.prefix.length));
    const waiter = this.waiting.get(token);
    if (waiter === undefined) return; // timed out or failed meanwhile
    this.waiting.delete(token);
    if (err !== null) {
      waiter.reject(err);
      return;
    }
    const status = msg.headers?.code ?? 0;
    if (msg.data.length === 0 && status >= 300) {
      waiter.reject(
        status === 503
          ? NatsError.errorForCode(ErrorCode.NoResponders)
          : new NatsError(`jetstream publish: status ${status}`, String(status)),
      );
      return;
    }
    let reply: PubAck & { error?: { code: number; err_code?: number; description: string } };
    try {
      reply = JSON.parse(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength).toString('utf8'));
    } catch (parseError) {
      waiter.reject(new NatsError('jetstream publish: unreadable ack', ErrorCode.JetStreamInvalidAck, parseError as Error));
      return;
    }
    if (reply.error !== undefined) {
      const refused = new NatsError(reply.error.description, String(reply.error.code));
      refused.api_error = reply.error as NonNullable<NatsError['api_error']>;
      waiter.reject(refused);
      return;
    }
    if (typeof reply.stream !== 'string' || reply.stream === '') {
      waiter.reject(NatsError.errorForCode(ErrorCode.JetStreamInvalidAck));
      return;
    }
    reply.duplicate = reply.duplicate === true;
    waiter.resolve(reply);
  }

  private readonly sweep = (): void => {
    const now = Date.now();
    // Insertion order is deadline order: stop at the first one still in time.
    for (const [token, waiter] of this.waiting) {
      if (waiter.deadline > now) break;
      this.waiting.delete(token);
      waiter.reject(NatsError.errorForCode(ErrorCode.Timeout));
    }
  };
}
