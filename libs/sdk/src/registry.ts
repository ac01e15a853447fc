import type { SwitchboardError } from './errors.js';
import type { RecoveredEvent } from './events.js';
import type { AckFrame, MessageFrame, RequestFrame, StreamPosition } from './frames.js';
import type { PendingHandlers } from './requests.js';
import { type MessageHandler, type SubscribeOptions, Subscription, type SubscriptionSink } from './subscription.js';
import { isWildcard, matchTopic } from './topic-match.js';
import { TopicState } from './topic-state.js';

/** What the registry needs from the client. */
export interface RegistryHost {
  /** Sends a request when connected; false when it could not be sent. */
  request(frame: RequestFrame, handlers: PendingHandlers): boolean;
  recovered(event: RecoveredEvent): void;
  refused(error: SwitchboardError): void;
  /** Reports an exception thrown by an application callback. */
  report(err: unknown): void;
}

const ignore: PendingHandlers = { ack: () => undefined, error: () => undefined, drop: () => undefined };

/**
 * All subscriptions of a client: local subscriptions are ref-counted per topic or pattern (one
 * server subscription each), queued while offline and resubscribed (with `since`) on connect.
 */
export class SubscriptionRegistry {
  private readonly exact = new Map<string, TopicState>();
  private readonly patterns = new Map<string, TopicState>();
  private online = false;

  constructor(private readonly host: RegistryHost) {}

  add<T>(topic: string, onMessage: MessageHandler<T>, options: SubscribeOptions): Subscription<T> {
    const wildcard = isWildcard(topic);
    const map = wildcard ? this.patterns : this.exact;
    let state = map.get(topic);
    if (state === undefined) {
      state = new TopicState(topic, wildcard);
      if (!wildcard && options.since !== undefined) {
        // Resume from the caller's position, as after a reconnect (wildcards are live-only).
        const since = typeof options.since === 'number' ? { offset: options.since } : options.since;
        state.lastOffset = since.offset;
        state.epoch = since.epoch ?? null;
      }
      map.set(topic, state);
    }
    const owner = state;
    const subscription = new Subscription<T>(
      topic,
      onMessage,
      options,
      (s) => this.remove(owner, s),
      (err) => this.host.report(err),
    );
    state.subs.add(subscription);
    if (state.server === 'active' && state.ack !== null) subscription.settle(state.ack);
    else if (state.server === 'none' && this.online) this.sendSubscribe(state);
    return subscription;
  }

  /** The connection is up (welcome): (re)subscribes everything. */
  connected(): void {
    this.online = true;
    for (const state of [...this.exact.values(), ...this.patterns.values()]) this.sendSubscribe(state);
  }

  /** The connection is gone: nothing is subscribed on the server any more. */
  disconnected(): void {
    this.online = false;
    for (const state of this.exact.values()) state.server = 'none';
    for (const state of this.patterns.values()) state.server = 'none';
  }

  /** Delivers a message frame to every local subscription whose topic or pattern matches. */
  deliver(frame: MessageFrame): void {
    const exact = this.exact.get(frame.topic);
    const wildcards: TopicState[] = [];
    for (const state of this.patterns.values()) if (matchTopic(state.topic, frame.topic)) wildcards.push(state);
    const overlapping = (exact === undefined ? 0 : 1) + wildcards.length > 1;
    const message = { topic: frame.topic, offset: frame.offset, data: frame.data };
    if (exact?.accept(frame.offset) === true) for (const sub of [...exact.subs]) sub.deliver(message);
    for (const state of wildcards) {
      if (state.acceptWildcard(frame.topic, frame.offset, overlapping)) for (const sub of [...state.subs]) sub.deliver(message);
    }
  }

  private mapOf(state: TopicState): Map<string, TopicState> {
    return state.wildcard ? this.patterns : this.exact;
  }

  private isCurrent(state: TopicState): boolean {
    return this.mapOf(state).get(state.topic) === state;
  }

  private remove(state: TopicState, subscription: SubscriptionSink): void {
    if (!state.subs.delete(subscription) || state.subs.size > 0 || !this.isCurrent(state)) return;
    this.mapOf(state).delete(state.topic);
    if (state.server !== 'none' && this.online) this.host.request({ op: 'unsubscribe', topic: state.topic }, ignore);
  }

  private sendSubscribe(state: TopicState): void {
    const since = state.resumePosition();
    const frame: RequestFrame =
      since === undefined ? { op: 'subscribe', topic: state.topic } : { op: 'subscribe', topic: state.topic, since };
    state.server = 'pending';
    const sent = this.host.request(frame, {
      ack: (ack) => this.acknowledged(state, ack, since),
      error: (err) => this.refused(state, err),
      drop: () => undefined,
    });
    if (!sent) state.server = 'none';
  }

  private acknowledged(state: TopicState, frame: AckFrame, since: StreamPosition | undefined): void {
    if (!this.isCurrent(state)) return;
    state.server = 'active';
    const ack = state.applyAck(frame, since);
    for (const sub of [...state.subs]) sub.settle(ack);
    if (ack.recovered === null) return;
    const event: RecoveredEvent = { topic: state.topic, recovered: ack.recovered };
    this.host.recovered(event);
    if (!ack.recovered) for (const sub of [...state.subs]) sub.recoveryGap(event);
  }

  private refused(state: TopicState, error: SwitchboardError): void {
    if (!this.isCurrent(state)) return;
    this.mapOf(state).delete(state.topic);
    error.topic = state.topic;
    for (const sub of [...state.subs]) sub.fail(error);
    this.host.refused(error);
  }
}
