import { randomUUID } from 'node:crypto';
import type { Bus } from '@switchboard/bus';
import {
  CHANNELS_QUERY_TOPIC,
  type ChannelQuery,
  type ChannelReply,
  type ChannelSource,
  channelsReplyTopic,
  decodeChannelReply,
} from '@switchboard/pusher-protocol';

/** How long a channel query waits for a presence replica (the api then answers 503). */
export const CHANNEL_QUERY_TIMEOUT_MS = 2000;

/** A query the presence replicas did not answer in time (none running, none ready, or the bus is down). */
export class NoPresenceAnswerError extends Error {
  override readonly name = 'NoPresenceAnswerError';
}

/**
 * The channel source of a standalone api: asks the presence replicas over the bus
 * (CHANNELS_QUERY_TOPIC, replies on this process's own reply topic) and takes the first answer.
 * No setting: wherever the api and the presence service share BUS_URL and BUS_PREFIX, it works.
 */
export function busChannelSource(bus: Bus, nodeId: string, timeoutMs = CHANNEL_QUERY_TIMEOUT_MS): ChannelSource {
  const reply = channelsReplyTopic(nodeId);
  const waiting = new Map<string, (reply: ChannelReply) => void>();
  let subscribed: Promise<unknown> | null = null;
  return {
    async channels(app, selection) {
      subscribed ??= bus
        .subscribe(reply, (_t, payload) => {
          const answer = decodeChannelReply(payload);
          if (answer !== null) waiting.get(answer.id)?.(answer);
        })
        .catch((err: unknown) => {
          subscribed = null;
          throw err;
        });
      await subscribed;
      const query: ChannelQuery = { id: randomUUID(), reply, app, ...selection };
      let timer: NodeJS.Timeout | undefined;
      const answered = new Promise<ChannelReply>((resolve, reject) => {
        timer = setTimeout(() => reject(new NoPresenceAnswerError(`no presence service answered within ${timeoutMs} ms`)), timeoutMs);
        waiting.set(query.id, resolve);
      });
      answered.catch(() => undefined); // handled below; never an unhandled rejection if publish throws first
      try {
        await bus.publish(CHANNELS_QUERY_TOPIC, Buffer.from(JSON.stringify(query)));
        return (await answered).channels;
      } finally {
        clearTimeout(timer);
        waiting.delete(query.id);
      }
    },
  };
}
