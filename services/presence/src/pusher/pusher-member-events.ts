import type { Bus, BusSubscription } from '@switchboard/bus';
import type { Publisher } from '@switchboard/history';
import {
  channelKind,
  decodeMember,
  encodePusherEvent,
  MEMBERS_REQUEST_TOPIC,
  type MembersReply,
  type MembersRequest,
  PUSHER_TOPIC_PREFIX,
  topicChannel,
} from '@switchboard/pusher-protocol';
import type { Logger } from '@switchboard/telemetry';
import type { PresenceAggregator } from '../aggregator.js';

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
 */
export class PusherMemberEvents {
  private readonly known = new Map<string, Members>();
  private readonly touched: Set<string>;
  private subscription: BusSubscription | null = null;

  constructor(
    private readonly aggregator: PresenceAggregator,
    private readonly bus: Bus,
    private readonly publisher: Publisher,
    private readonly log: Logger,
  ) {
    this.touched = aggregator.watchTopicUsers();
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

  /** Publishes the member changes of the presence channels touched since the last call. */
  refresh(): void {
    if (this.touched.size === 0) return;
    const topics = [...this.touched];
    this.touched.clear();
    for (const topic of topics) {
      if (!topic.startsWith(PUSHER_TOPIC_PREFIX)) continue;
      const channel = topicChannel(topic)?.channel;
      if (channel === undefined || channelKind(channel) !== 'presence') continue;
      const before = this.known.get(topic) ?? new Map<string, string>();
      const now = this.membersOf(topic);
      for (const [id, info] of now)
        if (!before.has(id)) this.emit(topic, channel, 'pusher_internal:member_added', { user_id: id, user_info: JSON.parse(info) });
      for (const id of before.keys()) if (!now.has(id)) this.emit(topic, channel, 'pusher_internal:member_removed', { user_id: id });
      if (now.size > 0) this.known.set(topic, now);
      else this.known.delete(topic);
    }
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
