import type { Bus, BusSubscription } from '@switchboard/bus';
import { CHANNELS_QUERY_TOPIC, decodeChannelQuery, encodeChannelReply, type PusherApps } from '@switchboard/pusher-protocol';
import type { PresenceAggregator } from '../aggregator.js';
import { pusherChannels } from './pusher-channel-source.js';

/**
 * Answers the api's channel queries (`GET /apps/{id}/channels…` on a standalone api) from this
 * replica's aggregate, on the query's reply topic. A replica still learning (not ready: the first
 * interval after start) stays silent, so the api takes the answer of a replica that knows.
 */
export class PusherChannelAnswers {
  readonly stats = { answered: 0, bad: 0 };
  private subscription: BusSubscription | null = null;

  constructor(
    private readonly aggregator: PresenceAggregator,
    private readonly apps: PusherApps,
    private readonly ready: () => boolean,
  ) {}

  async start(bus: Bus): Promise<void> {
    this.subscription = await bus.subscribe(CHANNELS_QUERY_TOPIC, (_t, payload) => {
      const query = decodeChannelQuery(payload);
      if (query === null || this.apps.withId(query.app) === undefined) {
        this.stats.bad++;
        return;
      }
      if (!this.ready()) return;
      this.stats.answered++;
      bus
        .publish(query.reply, encodeChannelReply({ id: query.id, channels: pusherChannels(this.aggregator, query.app, query) }))
        .catch(() => undefined);
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.unsubscribe().catch(() => undefined);
  }
}
