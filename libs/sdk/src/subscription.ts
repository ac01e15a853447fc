import { SwitchboardError } from './errors.js';
import type { RecoveredEvent } from './events.js';
import type { StreamPosition } from './frames.js';

/** One delivered message; `topic` is the concrete topic (also for wildcard subscriptions). */
export interface Message<T = unknown> {
  topic: string;
  /** Per-topic offset; null when the server keeps no history. */
  offset: number | null;
  /** The JSON value; a bytes message's data is a Uint8Array (type a topic that carries bytes so). */
  data: T;
}

/** What the server acknowledged for a subscription. */
export interface SubscribeAck {
  topic: string;
  /** The topic's newest offset at subscribe time (null when history is off). */
  offset: number | null;
  epoch: string | null;
  /** Set when the subscription resumed with `since`; null otherwise. */
  recovered: boolean | null;
}

export interface SubscribeOptions {
  /**
   * Start after this offset (or position) instead of "now": the server first replays the topic's
   * history after it, then live messages. Used only by the first local subscription of a topic
   * (later ones share its server subscription); ignored for patterns, which are live-only. A
   * position older than the history window reports a recovery gap (`onRecoveryGap`, `recovered`).
   */
  since?: number | StreamPosition;
  /** A resubscription could not recover every missed message (also emitted as `recovered`). */
  onRecoveryGap?: (event: RecoveredEvent) => void;
  /** The server refused the subscription (initially or on resubscribe); it has ended. */
  onError?: (error: SwitchboardError) => void;
}

export type MessageHandler<T> = (message: Message<T>) => void;

/** What the registry drives; implemented by Subscription. */
export interface SubscriptionSink {
  deliver(message: Message<unknown>): void;
  settle(ack: SubscribeAck): void;
  fail(error: SwitchboardError): void;
  recoveryGap(event: RecoveredEvent): void;
}

/** A local subscription, returned at once by `client.subscribe()`. */
export class Subscription<T = unknown> implements SubscriptionSink {
  /**
   * Resolves with the first ack; rejects when the server refuses the subscription. Never
   * rejects unhandled (a rejection handler is attached), so awaiting it is optional.
   */
  readonly ready: Promise<SubscribeAck>;
  private resolveReady: (ack: SubscribeAck) => void = () => undefined;
  private rejectReady: (error: SwitchboardError) => void = () => undefined;
  private ended = false;

  constructor(
    readonly topic: string,
    private readonly onMessage: MessageHandler<T>,
    private readonly options: SubscribeOptions,
    private readonly detach: (subscription: Subscription<T>) => void,
    private readonly report: (err: unknown) => void,
  ) {
    this.ready = new Promise<SubscribeAck>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => undefined);
  }

  /** False after `unsubscribe()` or a refusal by the server. */
  get active(): boolean {
    return !this.ended;
  }

  /**
   * Stops delivery; the last local subscription of a topic unsubscribes on the server. If the
   * subscription was not acknowledged yet, `ready` rejects with code `unsubscribed`.
   */
  unsubscribe(): void {
    if (this.ended) return;
    this.ended = true;
    this.rejectReady(new SwitchboardError('unsubscribed', `unsubscribed from ${this.topic} before the server acknowledged it`));
    this.detach(this);
  }

  /** @internal */
  deliver(message: Message<unknown>): void {
    if (this.ended) return;
    try {
      this.onMessage(message as Message<T>);
    } catch (err) {
      this.report(err);
    }
  }

  /** @internal */
  settle(ack: SubscribeAck): void {
    this.resolveReady(ack);
  }

  /** @internal */
  fail(error: SwitchboardError): void {
    if (this.ended) return;
    this.ended = true;
    this.rejectReady(error);
    this.call(this.options.onError, error);
  }

  /** @internal */
  recoveryGap(event: RecoveredEvent): void {
    if (!this.ended) this.call(this.options.onRecoveryGap, event);
  }

  private call<E>(callback: ((event: E) => void) | undefined, event: E): void {
    if (callback === undefined) return;
    try {
      callback(event);
    } catch (err) {
      this.report(err);
    }
  }
}
