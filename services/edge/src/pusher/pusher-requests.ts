import {
  authMatches,
  channelAuth,
  channelKind,
  channelTopic,
  encodeMember,
  encodePusherEvent,
  errorFrame,
  isValidChannel,
  type PresenceMember,
  PusherError,
  userAuth,
} from '@switchboard/pusher-protocol';
import { release } from '../delivery/recovery.js';
import { type Session, Subscription } from '../session/session.js';
import { isCacheChannel, type PusherCache } from './pusher-cache.js';
import type { PusherClientEventReports } from './pusher-client-event-reports.js';
import { PONG, signinSuccess, subscriptionError, subscriptionSucceeded } from './pusher-frames.js';
import type { PusherHost } from './pusher-host.js';
import type { PusherPresence } from './pusher-presence.js';
import type { PusherTransport } from './pusher-transport.js';

interface ClientMessage {
  event: string;
  channel?: unknown;
  data?: unknown;
}

/** Pusher clients may send `data` as an object or as a JSON string of one. */
function objectOf(data: unknown): Record<string, unknown> {
  if (typeof data === 'string') {
    try {
      return objectOf(JSON.parse(data));
    } catch {
      return {};
    }
  }
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

/** The member of a presence subscribe (`channel_data`: `{"user_id", "user_info"?}`), or why it is refused. */
function memberOf(channelData: unknown, maxBytes: number): PresenceMember | string {
  if (typeof channelData !== 'string') return 'presence channels need channel_data';
  const data = objectOf(channelData);
  const id = typeof data.user_id === 'number' ? String(data.user_id) : data.user_id;
  if (typeof id !== 'string' || id.length === 0) return 'channel_data needs a user_id';
  const member = { id, info: data.user_info ?? null };
  if (encodeMember(member).length > maxBytes) return `user_id + user_info over ${maxBytes} bytes`;
  return member;
}

function parse(text: string): ClientMessage | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || typeof (value as { event?: unknown }).event !== 'string') return null;
    return value as ClientMessage;
  } catch {
    return null;
  }
}

/**
 * What a Pusher client sends: rate limit, then one event (`pusher:ping`, `pusher:subscribe`,
 * `pusher:unsubscribe`, `pusher:signin`, `client-…`). Bad input never throws out of here: it
 * becomes a `pusher:error` or `pusher:subscription_error` frame, or a close with a Pusher code.
 */
export class PusherRequests {
  constructor(
    private readonly host: PusherHost,
    private readonly presence: PusherPresence,
    private readonly clientEventReports: PusherClientEventReports,
    private readonly cache: PusherCache,
  ) {}

  onText(session: Session, transport: PusherTransport, text: string): void {
    if (session.closed) return;
    session.alive = true;
    if (!session.bucket.take()) {
      this.host.stats.rateLimitCloses++;
      transport.sendPusher(errorFrame(PusherError.ClientEventRateLimited, 'too many messages; back off'));
      session.close(PusherError.OverCapacity, 'rate limited');
      return;
    }
    const message = parse(text);
    if (message === null) {
      this.host.stats.protocolErrors++;
      transport.sendPusher(errorFrame(null, 'not a Pusher message (a JSON object with an "event" string)'));
      return;
    }
    switch (message.event) {
      case 'pusher:ping':
        transport.sendPusher(PONG);
        return;
      case 'pusher:pong':
        return;
      case 'pusher:subscribe':
        void this.subscribe(session, transport, objectOf(message.data));
        return;
      case 'pusher:unsubscribe': {
        const channel = objectOf(message.data).channel;
        if (isValidChannel(channel)) this.unsubscribe(session, channelTopic(transport.app.id, channel));
        return;
      }
      case 'pusher:signin':
        this.signin(transport, objectOf(message.data));
        return;
      default:
        if (message.event.startsWith('client-')) void this.clientEvent(session, transport, message);
        else transport.sendPusher(errorFrame(null, `unsupported event ${JSON.stringify(message.event.slice(0, 64))}`));
    }
  }

  /** Drops one subscription of the session. */
  unsubscribe(session: Session, topic: string): void {
    const sub = session.subscriptions.get(topic);
    if (sub === undefined) return;
    sub.active = false;
    session.subscriptions.delete(topic);
    this.host.registry.remove(sub);
    this.host.stats.subscriptions--;
    this.presence.leave(sub);
  }

  private async subscribe(session: Session, transport: PusherTransport, data: Record<string, unknown>): Promise<void> {
    const { config, registry, stats, log } = this.host;
    const { app, socketId } = transport;
    const channel = data.channel;
    if (!isValidChannel(channel)) {
      transport.sendPusher(errorFrame(null, 'invalid channel name (1-164 of A-Z a-z 0-9 _ - = @ , . ;)'));
      return;
    }
    const kind = channelKind(channel);
    if (kind !== 'public') {
      const channelData = kind === 'presence' && typeof data.channel_data === 'string' ? data.channel_data : undefined;
      if (!authMatches(data.auth, channelAuth(app.key, app.secret, socketId, channel, channelData))) {
        stats.forbidden++;
        transport.sendPusher(subscriptionError(channel, 'AuthError', `Invalid signature for ${channel}`, 401));
        transport.sendPusher(errorFrame(PusherError.Unauthorized, `Invalid signature: subscription to ${channel} refused`));
        return;
      }
    }
    const member = kind === 'presence' ? memberOf(data.channel_data, app.maxUserInfoBytes) : null;
    if (typeof member === 'string') {
      transport.sendPusher(subscriptionError(channel, 'InvalidChannelData', member, 400));
      return;
    }
    const topic = channelTopic(app.id, channel);
    if (session.subscriptions.has(topic)) {
      // Subscribing again: the same answer (a presence channel's with its current member list).
      transport.sendPusher(subscriptionSucceeded(channel, this.presence.list(topic) ?? {}));
      return;
    }
    if (session.subscriptions.size >= config.MAX_SUBSCRIPTIONS) {
      transport.sendPusher(subscriptionError(channel, 'LimitReached', `at most ${config.MAX_SUBSCRIPTIONS} channels per connection`, 429));
      return;
    }
    const sub = new Subscription(session, topic);
    session.subscriptions.set(topic, sub);
    stats.subscriptions++;
    try {
      await registry.add(sub);
      if (session.closed || !sub.active) return;
      const members = member === null ? {} : await this.presence.join(sub, channel, member, socketId, app.maxPresenceMembers);
      if (session.closed || !sub.active) return;
      if (members === null) {
        this.unsubscribe(session, topic);
        transport.sendPusher(
          subscriptionError(channel, 'LimitReached', `at most ${app.maxPresenceMembers} members per presence channel`, 429),
        );
        return;
      }
      transport.sendPusher(subscriptionSucceeded(channel, members));
      if (isCacheChannel(channel)) await this.cache.replay(sub, transport, channel);
      else release(sub, null, stats);
    } catch (err) {
      if (sub.active) this.unsubscribe(session, topic);
      log.warn({ err, app: app.id, channel }, 'pusher subscribe failed');
      transport.sendPusher(subscriptionError(channel, 'Unavailable', 'the message bus is unavailable, retry later', 503));
    }
  }

  /** `client-…` on a subscribed private or presence channel of an app that allows it; never echoed to the sender. */
  private async clientEvent(session: Session, transport: PusherTransport, message: ClientMessage): Promise<void> {
    const { publisher, stats, log } = this.host;
    const { app, socketId } = transport;
    const channel = message.channel;
    if (!app.clientEvents) {
      transport.sendPusher(errorFrame(null, 'client events are not enabled for this app'));
      return;
    }
    if (!isValidChannel(channel) || !['private', 'presence'].includes(channelKind(channel))) {
      transport.sendPusher(errorFrame(null, 'client events are only supported on private and presence channels'));
      return;
    }
    const topic = channelTopic(app.id, channel);
    if (!session.subscriptions.has(topic)) {
      transport.sendPusher(errorFrame(null, `client event on ${channel}, which this connection is not subscribed to`));
      return;
    }
    if (message.event.length > 200) {
      transport.sendPusher(errorFrame(null, 'event name too long (at most 200 characters)'));
      return;
    }
    try {
      const sub = session.subscriptions.get(topic);
      const userId = sub === undefined ? undefined : this.presence.memberOf(sub)?.id;
      const event = { event: message.event, channel, data: message.data ?? null, ...(userId === undefined ? {} : { user_id: userId }) };
      await publisher.publish(topic, encodePusherEvent(event, socketId));
      stats.published++;
      this.clientEventReports.report(app, channel, message.event, event.data, socketId, userId);
    } catch (err) {
      log.warn({ err, app: app.id, channel }, 'pusher client event not published');
      transport.sendPusher(errorFrame(null, 'the message bus is unavailable; the client event was not sent'));
    }
  }

  /** `pusher:signin` (user authentication): checks the signature; the connection then carries the user. */
  private signin(transport: PusherTransport, data: Record<string, unknown>): void {
    const { app, socketId } = transport;
    const userData = data.user_data;
    if (typeof userData !== 'string' || !authMatches(data.auth, userAuth(app.key, app.secret, socketId, userData))) {
      transport.sendPusher(errorFrame(PusherError.Unauthorized, 'Invalid signature: signin refused'));
      return;
    }
    const id = objectOf(userData).id;
    if (typeof id !== 'string' || id.length === 0 || id.length > 200) {
      transport.sendPusher(errorFrame(PusherError.Unauthorized, 'user_data must be a JSON object with a string "id"'));
      return;
    }
    transport.userId = id;
    transport.sendPusher(signinSuccess(userData));
  }
}
