import type { PresenceSubscriber } from '@switchboard/presence-report';
import { encodeMessageFrame } from '@switchboard/protocol';
import {
  encodeMember,
  encodePusherEvent,
  MEMBERS_REQUEST_TOPIC,
  type MembersReply,
  membersReplyTopic,
  type PresenceMember,
  topicChannel,
} from '@switchboard/pusher-protocol';
import type { Subscription } from '../session/session.js';
import { TextMessage } from '../transport/text-message.js';
import { frameText } from '../transport/websocket/ws-frame.js';
import type { PusherHost } from './pusher-host.js';
import { isCountEvent, SubscriptionCounts } from './pusher-subscription-counts.js';

/** How long a first subscriber waits for the presence service's member list before going on without it. */
const SNAPSHOT_TIMEOUT_MS = 1500;
const MEMBER_EVENT = Buffer.from('{"event":"pusher_internal:member_');

/** One presence channel as this edge sees it. */
interface ChannelView {
  /** Every member of the cluster this edge knows: user_id → user_info. */
  members: Map<string, unknown>;
  /** Members the presence service has confirmed (from its list or its events); the rest joined here and were announced here. */
  confirmed: Set<string>;
}

/**
 * Presence channels on one edge, backed by the presence service. Each local presence
 * subscription reports its member (`[user_id, user_info]`) as its user in the edge's presence
 * report; the presence service publishes member_added / member_removed on the channel once it
 * sees a change cluster-wide, and answers member-list requests. This edge keeps a view of each
 * presence channel it has local subscribers for:
 * - the first local subscriber loads the list from the presence service (bounded wait);
 * - a member joining here is added and announced to the local subscribers at once (the other
 *   edges learn it from the presence service within one report interval);
 * - a member event from the bus that changes nothing in the view (another replica's copy, or a
 *   join already announced here) is dropped before fan-out, so each client sees a change once.
 */
export class PusherPresence {
  private readonly views = new Map<string, ChannelView>();
  private readonly loading = new Map<string, Promise<void>>();
  private readonly members = new Map<Subscription, PresenceMember>();
  private readonly replies = new Map<number, (reply: MembersReply) => void>();
  /** Subscription count events forwarded per channel (any channel kind but presence). */
  private readonly counts = new SubscriptionCounts();
  private nextRequest = 1;
  private replySubscription: Promise<unknown> | null = null;

  constructor(private readonly host: PusherHost) {}

  /** Members of a local presence subscription's channel (for `subscription_succeeded`), after adding `member`. */
  async join(sub: Subscription, channel: string, member: PresenceMember, socketId: string, maxMembers: number): Promise<object | null> {
    await this.loadView(sub.key);
    const view = this.views.get(sub.key);
    if (view === undefined || !sub.active) return null;
    if (!view.members.has(member.id) && view.members.size >= maxMembers) return null;
    this.members.set(sub, member);
    if (!view.members.has(member.id)) {
      view.members.set(member.id, member.info);
      this.announce(sub.key, channel, 'pusher_internal:member_added', { user_id: member.id, user_info: member.info }, socketId);
    }
    return this.list(sub.key) ?? {};
  }

  /** The `subscription_succeeded` data of a presence channel this edge has a view of. */
  list(topic: string): object | null {
    const view = this.views.get(topic);
    if (view === undefined) return null;
    const hash = Object.fromEntries(view.members);
    return { presence: { ids: Object.keys(hash), hash, count: view.members.size } };
  }

  /** The member of a local presence subscription (undefined for any other subscription). */
  memberOf(sub: Subscription): PresenceMember | undefined {
    return this.members.get(sub);
  }

  /** A local subscription ended (any channel: the last one forgets the channel's count). */
  leave(sub: Subscription): void {
    if (this.host.registry.subscribersOf(sub.key).size === 0) this.counts.forget(sub.key);
    const member = this.members.get(sub);
    if (member === undefined) return;
    this.members.delete(sub);
    const view = this.views.get(sub.key);
    if (view === undefined) return;
    if (this.host.registry.subscribersOf(sub.key).size === 0) {
      this.views.delete(sub.key);
      return;
    }
    // Joined and left before the presence service saw it: no member_removed will come from it.
    if (!view.confirmed.has(member.id) && !this.hasLocal(sub.key, member.id)) {
      view.members.delete(member.id);
      const channel = topicChannel(sub.key)?.channel ?? '';
      this.announce(sub.key, channel, 'pusher_internal:member_removed', { user_id: member.id }, null);
    }
  }

  /**
   * Whether a member event (or a subscription count) from the bus changes this edge's view (and so goes to clients): run
   * once per message per edge, before fan-out. Any other frame passes.
   */
  admits(topic: string, frame: Uint8Array): boolean {
    if (isCountEvent(frame)) return this.counts.admits(topic, frame);
    if (frame.length < MEMBER_EVENT.length || Buffer.compare(frame.subarray(0, MEMBER_EVENT.length), MEMBER_EVENT) !== 0) return true;
    const view = this.views.get(topic);
    if (view === undefined) return false;
    let id: unknown;
    let added: boolean;
    let info: unknown;
    try {
      const event = JSON.parse(Buffer.from(frame).toString('utf8')) as { event: string; data: string };
      const data = JSON.parse(event.data) as { user_id?: unknown; user_info?: unknown };
      id = data.user_id;
      info = data.user_info;
      added = event.event === 'pusher_internal:member_added';
    } catch {
      return false;
    }
    if (typeof id !== 'string') return false;
    if (added) {
      view.confirmed.add(id);
      if (view.members.has(id)) return false;
      view.members.set(id, info);
      return true;
    }
    view.confirmed.delete(id);
    if (!view.members.has(id) || this.hasLocal(topic, id)) return false;
    view.members.delete(id);
    return true;
  }

  /** The subscribers of every topic for the presence report: a presence channel's report its members as users. */
  *reportTopics(
    entries: Iterable<[string, ReadonlySet<Subscription>]>,
  ): IterableIterator<readonly [string, ReadonlySet<PresenceSubscriber>]> {
    for (const [topic, subs] of entries) {
      if (!this.views.has(topic)) {
        yield [topic, subs];
        continue;
      }
      const reported = new Set<PresenceSubscriber>();
      for (const sub of subs) {
        const member = this.members.get(sub);
        reported.add({ session: { user: member === undefined ? null : encodeMember(member) } });
      }
      yield [topic, reported];
    }
  }

  private hasLocal(topic: string, id: string): boolean {
    for (const sub of this.host.registry.subscribersOf(topic)) if (this.members.get(sub)?.id === id) return true;
    return false;
  }

  /** Sends a member event to this edge's subscribers of the channel (not through the bus: the presence service tells the others). */
  private announce(topic: string, channel: string, event: string, data: object, exclude: string | null): void {
    const payload = encodeMessageFrame(topic, null, encodePusherEvent({ event, channel, data: JSON.stringify(data) }));
    const message = new TextMessage(Buffer.from(payload));
    const json = JSON.stringify({ event, channel, data: JSON.stringify(data) });
    message.pusher = { frame: frameText(Buffer.from(json)), exclude };
    for (const sub of this.host.registry.subscribersOf(topic)) {
      if (!sub.session.closed && sub.pending === null) sub.session.transport.sendMessage(message);
    }
  }

  /** Creates the channel's view on first use, filled from the presence service's list. */
  private loadView(topic: string): Promise<void> {
    if (this.views.has(topic) && !this.loading.has(topic)) return Promise.resolve();
    let loading = this.loading.get(topic);
    if (loading === undefined) {
      const view: ChannelView = { members: new Map(), confirmed: new Set() };
      this.views.set(topic, view);
      loading = this.snapshot(topic).then((reply) => {
        for (const [id, info] of reply?.members ?? []) {
          view.confirmed.add(id);
          if (!view.members.has(id)) view.members.set(id, info);
        }
        this.loading.delete(topic);
      });
      this.loading.set(topic, loading);
    }
    return loading;
  }

  private async snapshot(topic: string): Promise<MembersReply | null> {
    const { bus, config, log } = this.host;
    const replyTopic = membersReplyTopic(config.NODE_ID);
    this.replySubscription ??= bus.subscribe(replyTopic, (_t, payload) => {
      try {
        const reply = JSON.parse(Buffer.from(payload).toString('utf8')) as MembersReply;
        this.replies.get(reply.id)?.(reply);
      } catch {
        // Not a reply: ignored.
      }
    });
    try {
      await this.replySubscription;
      const id = this.nextRequest++;
      const answered = new Promise<MembersReply | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), SNAPSHOT_TIMEOUT_MS);
        this.replies.set(id, (reply) => {
          clearTimeout(timer);
          resolve(reply);
        });
      });
      await bus.publish(MEMBERS_REQUEST_TOPIC, Buffer.from(JSON.stringify({ id, topic, reply: replyTopic })));
      const reply = await answered;
      this.replies.delete(id);
      if (reply === null)
        log.warn({ topic }, 'no presence service answered for the members of a presence channel: starting from this edge only');
      return reply;
    } catch (err) {
      this.replySubscription = null;
      log.warn({ err, topic }, 'presence channel member list not loaded');
      return null;
    }
  }
}
