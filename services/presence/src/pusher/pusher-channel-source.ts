import { appTopicPrefix, channelKind, decodeMember, topicChannel } from '@switchboard/pusher-protocol';
import type { PresenceAggregator } from '../aggregator.js';

/** One occupied channel of a Pusher app, cluster-wide. */
export interface PusherChannelOccupancy {
  channel: string;
  subscribers: number;
  /** Distinct member ids (presence channels only). */
  users: string[];
}

/**
 * What the Pusher HTTP API (`GET /apps/{id}/channels…`) reads of the cluster: the app's
 * occupied channels from the presence aggregate, with presence channels' member ids.
 */
export function pusherChannelSource(aggregator: PresenceAggregator): { channels(appId: string): PusherChannelOccupancy[] } {
  return {
    channels(appId) {
      return aggregator.topicsWithPrefix(appTopicPrefix(appId)).flatMap(([topic, subscribers]) => {
        const channel = topicChannel(topic)?.channel;
        if (channel === undefined) return [];
        const users =
          channelKind(channel) === 'presence' ? [...new Set(aggregator.topic(topic).users.flatMap((u) => decodeMember(u)?.id ?? []))] : [];
        return [{ channel, subscribers, users }];
      });
    },
  };
}
