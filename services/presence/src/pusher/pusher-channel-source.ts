import {
  appTopicPrefix,
  type ChannelOccupancy,
  type ChannelSelection,
  type ChannelSource,
  channelKind,
  channelTopic,
  decodeMember,
  isValidChannel,
  topicChannel,
} from '@switchboard/pusher-protocol';
import type { PresenceAggregator } from '../aggregator.js';

/** Distinct member ids of a presence topic. */
function memberIds(aggregator: PresenceAggregator, topic: string): string[] {
  return [...new Set(aggregator.topic(topic).users.flatMap((u) => decodeMember(u)?.id ?? []))];
}

/**
 * An app's occupied channels from the presence aggregate (`GET /apps/{id}/channels…`): the
 * selected ones, with subscriptions and, for presence channels, member counts (and ids when asked).
 */
export function pusherChannels(aggregator: PresenceAggregator, appId: string, selection: ChannelSelection): ChannelOccupancy[] {
  const occupancy = (channel: string, topic: string, subscriptions: number): ChannelOccupancy => {
    const ids = channelKind(channel) === 'presence' ? memberIds(aggregator, topic) : [];
    return { channel, subscriptions, userCount: ids.length, users: selection.users ? ids : [] };
  };
  if (selection.channel !== undefined) {
    if (!isValidChannel(selection.channel)) return [];
    const topic = channelTopic(appId, selection.channel);
    aggregator.sweep();
    const subscriptions = aggregator.subscribers(topic);
    return subscriptions > 0 ? [occupancy(selection.channel, topic, subscriptions)] : [];
  }
  return aggregator.topicsWithPrefix(appTopicPrefix(appId)).flatMap(([topic, subscriptions]) => {
    const channel = topicChannel(topic)?.channel;
    if (channel === undefined || !channel.startsWith(selection.prefix)) return [];
    return [occupancy(channel, topic, subscriptions)];
  });
}

/** The aggregate as the HTTP API's channel source (the all-in-one reads it in process). */
export function pusherChannelSource(aggregator: PresenceAggregator): ChannelSource {
  return { channels: async (appId, selection) => pusherChannels(aggregator, appId, selection) };
}
