import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * The api's channel queries (`GET /apps/{id}/channels…`) asked of the presence replicas over
 * the bus: the api publishes a `ChannelQuery` on CHANNELS_QUERY_TOPIC with its reply topic;
 * every ready replica answers (the api takes the first answer). Replies over 16 KiB travel
 * deflated (first byte 0x01), like presence reports.
 */
export const CHANNELS_QUERY_TOPIC = '$sb.pusher.channels';

/** The reply topic of one api process. */
export function channelsReplyTopic(nodeId: string): string {
  return `$sb.pusher.channels.${nodeId}`;
}

/** What a channel query asks: the channels starting with `prefix`, or exactly `channel`; member ids when `users`. */
export interface ChannelSelection {
  prefix: string;
  channel?: string;
  users: boolean;
}

/** One occupied channel of an app, cluster-wide. */
export interface ChannelOccupancy {
  channel: string;
  subscriptions: number;
  /** Distinct presence members (0 for other channels). */
  userCount: number;
  /** Their ids, when asked for (else empty). */
  users: string[];
}

/** Where the Pusher HTTP API reads channel occupancy (the presence aggregate, in process or over the bus). */
export interface ChannelSource {
  /** Rejects when no presence data can be had (the api answers 503). */
  channels(appId: string, selection: ChannelSelection): Promise<ChannelOccupancy[]>;
}

export interface ChannelQuery extends ChannelSelection {
  /** Random per request: replies on a shared reply topic cannot be mistaken. */
  id: string;
  reply: string;
  app: string;
}

export interface ChannelReply {
  id: string;
  channels: ChannelOccupancy[];
}

const COMPRESS_OVER = 16 * 1024;
/** Inflating stops here: a hostile reply cannot make a reader allocate more. */
const MAX_INFLATED = 64 * 1024 * 1024;

export function encodeChannelReply(reply: ChannelReply): Uint8Array {
  const json = Buffer.from(JSON.stringify(reply));
  if (json.length <= COMPRESS_OVER) return json;
  return Buffer.concat([Buffer.from([1]), deflateRawSync(json)]);
}

function isOccupancy(c: unknown): c is ChannelOccupancy {
  const o = c as Partial<ChannelOccupancy> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.channel === 'string' &&
    Number.isInteger(o.subscriptions) &&
    Number.isInteger(o.userCount) &&
    Array.isArray(o.users) &&
    o.users.every((u) => typeof u === 'string')
  );
}

/** The reply, or null when the bytes are not one. */
export function decodeChannelReply(bytes: Uint8Array): ChannelReply | null {
  try {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const json = buf[0] === 1 ? inflateRawSync(buf.subarray(1), { maxOutputLength: MAX_INFLATED }) : buf;
    const value = JSON.parse(json.toString('utf8')) as Partial<ChannelReply>;
    if (typeof value.id !== 'string' || !Array.isArray(value.channels) || !value.channels.every(isOccupancy)) return null;
    return value as ChannelReply;
  } catch {
    return null;
  }
}

/** The query, or null when the bytes are not one (checked field by field: any publisher could send it). */
export function decodeChannelQuery(bytes: Uint8Array): ChannelQuery | null {
  try {
    const q = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
    if (typeof q.id !== 'string' || q.id.length > 64 || typeof q.app !== 'string' || typeof q.prefix !== 'string') return null;
    if (typeof q.reply !== 'string' || !q.reply.startsWith(`${CHANNELS_QUERY_TOPIC}.`)) return null;
    if (q.channel !== undefined && typeof q.channel !== 'string') return null;
    return { id: q.id, reply: q.reply, app: q.app, prefix: q.prefix, channel: q.channel as string | undefined, users: q.users === true };
  } catch {
    return null;
  }
}
