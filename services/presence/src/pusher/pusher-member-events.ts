import type { Bus, BusSubscription } from '@switchboard/bus';
import type { Publisher } from '@switchboard/history';
import {
  appTopicPrefix,
  channelKind,
  decodeMember,
  encodePusherEvent,
  MEMBERS_REQUEST_TOPIC,
  type MembersReply,
  type MembersRequest,
  PUSHER_TOPIC_PREFIX,
  type PusherApps,
  topicChannel,
} from '@switchboard/pusher-protocol';
import type { Logger } from '@switchboard/telemetry';
import type { PresenceAggregator } from '../aggregator.js';
import type { PusherWebhooks } from './pusher-webhooks.js';

/** A channel's members: user_id → user_info JSON. */
type Members = Map<string, string>;

/**
 * The cluster's presence channel members, from the edges' reports (each Pusher presence
 * subscription reports `[user_id, user_info]` as its user): after every report it diffs the
 * touched presence channels and publishes `pusher_internal:member_added` / `member_removed` on
 * the channel, so every edge fans it out (a member whose edge died is removed when the node
 * expires, 3 intervals). It answers edges' member-list requests. With several replicas each
 * publishes; edges drop an event that changes nothing in their view (see the edge's
 * pusher-presence.ts), so a client sees each change once.
 *
 * The same diff drives the apps' webhooks: channel_occupied / channel_vacated when a channel
 * gains its first or loses its last subscriber cluster-wide, member_added / member_removed when
 * a user id appears in or leaves a presence channel (in that order within one change). None
 * during the aggregator's quiet time after start: the replica is learning what already exists.
 */
export class PusherMemberEvents {
  private readonly known = new Map<string, Members>();
  /** Pusher topics with subscribers, as last seen (for occupied / vacated). */
  private readonly occupied = new Set<string>();
  private readonly touched: Set<string>;
  /** Topic prefixes of the apps with `subscriptionCountEvents`. */
  private readonly countedPrefixes: string[];
  /** The subscription count last published per counted channel. */
  private readonly counts = new Map<string, number>();
  private subscription: BusSubscription | null = null;

  constructor(
    private readonly aggregator: PresenceAggregator,
    private readonly bus: Bus,
    private readonly publisher: Publisher,
    private readonly log: Logger,
    private readonly webhooks: PusherWebhooks | null = null,
    apps: PusherApps | null = null,
  ) {
    const counted = (apps?.list ?? []).filter((app) => app.subscriptionCountEvents).map((app) => appTopicPrefix(app.id));
    this.countedPrefixes = counted;
    this.touched = aggregator.watchTopicUsers(counted.length === 0 ? null : (topic) => counted.some((p) => topic.startsWith(p)));
  }

  async start(): Promise<void> {
    this.subscription = await this.bus.subscribe(MEMBERS_REQUEST_TOPIC, (_t, payload) => this.answer(payload));
  }

  async stop(): Promise<void> {
    await this.subscription?.unsubscribe().catch(() => undefined);
  }

  /** The members of one presence topic, as the aggregate has them now. */
  membersOf(topic: string): Members {
    const members: Members = new Map();
    for (const user of this.aggregator.topic(topic).users) {
      const member = decodeMember(user);
      if (member !== null && !members.has(member.id)) members.set(member.id, JSON.stringify(member.info));
    }
    return members;
  }

  /** Publishes the member changes (and sends the webhooks) of the Pusher channels touched since the last call. */
  refresh(): void {
    if (this.touched.size === 0) return;
    const topics = [...this.touched];
    this.touched.clear();
    const hooks = this.aggregator.quiet() ? null : this.webhooks;
    for (const topic of topics) {
      const where = topic.startsWith(PUSHER_TOPIC_PREFIX) ? topicChannel(topic) : null;
      if (where === null) continue;
      const { appId, channel } = where;
      const occupied = this.aggregator.subscribers(topic) > 0;
      if (occupied && !this.occupied.has(topic)) {
        this.occupied.add(topic);
        hooks?.emit(appId, { name: 'channel_occupied', channel });
      }
      if (channelKind(channel) === 'presence') {
        const before = this.known.get(topic) ?? new Map<string, string>();
        const now = this.membersOf(topic);
        for (const [id, info] of now) {
          if (before.has(id)) continue;
          this.emit(topic, channel, 'pusher_internal:member_added', { user_id: id, user_info: JSON.parse(info) });
          hooks?.emit(appId, { name: 'member_added', channel, user_id: id });
        }
        for (const id of before.keys()) {
          if (now.has(id)) continue;
          this.emit(topic, channel, 'pusher_internal:member_removed', { user_id: id });
          hooks?.emit(appId, { name: 'member_removed', channel, user_id: id });
        }
        if (now.size > 0) this.known.set(topic, now);
        else this.known.delete(topic);
      }
      if (channelKind(channel) !== 'presence' && this.countedPrefixes.some((p) => topic.startsWith(p)))
        this.publishCount(topic, appId, channel, hooks);
      if (!occupied && this.occupied.delete(topic)) hooks?.emit(appId, { name: 'channel_vacated', channel });
    }
  }

  /** `pusher_internal:subscription_count` on the channel (and the `subscription_count` webhook) when its cluster-wide count changed (none once it is empty). */
  private publishCount(topic: string, appId: string, channel: string, hooks: PusherWebhooks | null): void {
    const count = this.aggregator.subscribers(topic);
    if (count === (this.counts.get(topic) ?? 0)) return;
    if (count === 0) {
      this.counts.delete(topic);
      return;
    }
    this.counts.set(topic, count);
    this.emit(topic, channel, 'pusher_internal:subscription_count', { subscription_count: count });
    hooks?.emit(appId, { name: 'subscription_count', channel, subscription_count: count });
  }

  private emit(topic: string, channel: string, event: string, data: object): void {
    this.publisher.publish(topic, encodePusherEvent({ event, channel, data: JSON.stringify(data) })).catch((err: unknown) => {
      this.log.warn({ err, channel, event }, 'pusher member event not published');
    });
  }

  private answer(payload: Uint8Array): void {
    let request: MembersRequest;
    try {
      request = JSON.parse(Buffer.from(payload).toString('utf8')) as MembersRequest;
    } catch {
      return;
    }
    if (typeof request.topic !== 'string' || !request.topic.startsWith(PUSHER_TOPIC_PREFIX)) return;
    if (typeof request.reply !== 'string' || !request.reply.startsWith('$sb.pusher.members.')) return;
    const members = [...this.membersOf(request.topic)].map(([id, info]): [string, unknown] => [id, JSON.parse(info)]);
    const reply: MembersReply = { id: Number(request.id), members };
    this.bus.publish(request.reply, Buffer.from(JSON.stringify(reply))).catch(() => undefined);
  }
}
