import { isValidChannel, SOCKET_ID } from '@switchboard/pusher-protocol';
import type { Refusal } from './pusher-request-auth.js';

/** Pusher's limit of channels per `POST /events`. */
export const MAX_EVENT_CHANNELS = 100;
const MAX_EVENT_NAME = 200;

/** One event to publish: its name, its data (a string, as Pusher sends it), its channels. */
export interface EventToPublish {
  name: string;
  data: string;
  channels: string[];
  socketId?: string;
}

export type ParsedEvents = { ok: true; events: EventToPublish[] } | { ok: false; refusal: Refusal };

const bad = (message: string): ParsedEvents => ({ ok: false, refusal: { status: 400, message } });

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

function eventOf(value: unknown, maxDataBytes: number, where: string): EventToPublish | string {
  if (typeof value !== 'object' || value === null) return `${where} must be a JSON object`;
  const v = value as Record<string, unknown>;
  if (typeof v.name !== 'string' || v.name.length === 0 || v.name.length > MAX_EVENT_NAME)
    return `${where}: "name" must be a string of 1-${MAX_EVENT_NAME} characters`;
  // Pusher sends `data` as a string; the libraries stringify objects. Accept any JSON the same way.
  const data = typeof v.data === 'string' ? v.data : JSON.stringify(v.data ?? null);
  if (Buffer.byteLength(data) > maxDataBytes) return `${where}: "data" is over ${maxDataBytes} bytes`;
  const channels = v.channels ?? (v.channel === undefined ? undefined : [v.channel]);
  if (!Array.isArray(channels) || channels.length === 0 || channels.length > MAX_EVENT_CHANNELS)
    return `${where}: "channels" must list 1-${MAX_EVENT_CHANNELS} channels`;
  for (const channel of channels) if (!isValidChannel(channel)) return `${where}: invalid channel name ${JSON.stringify(channel)}`;
  if (v.socket_id !== undefined && (typeof v.socket_id !== 'string' || !SOCKET_ID.test(v.socket_id)))
    return `${where}: "socket_id" must look like 123.456`;
  return { name: v.name, data, channels: channels as string[], ...(v.socket_id === undefined ? {} : { socketId: v.socket_id as string }) };
}

/** `POST /apps/{id}/events`: `{"name","data","channels"|"channel","socket_id"?}`. */
export function parseEventBody(raw: Buffer, maxDataBytes: number): ParsedEvents {
  const event = eventOf(parseJson(raw), maxDataBytes, 'body');
  return typeof event === 'string' ? bad(event) : { ok: true, events: [event] };
}

/** `POST /apps/{id}/batch_events`: `{"batch":[{"name","data","channel","socket_id"?},…]}`, one channel each. */
export function parseBatchBody(raw: Buffer, maxDataBytes: number, maxEvents: number): ParsedEvents {
  const batch = (parseJson(raw) as { batch?: unknown } | undefined)?.batch;
  if (!Array.isArray(batch) || batch.length === 0 || batch.length > maxEvents) return bad(`"batch" must hold 1-${maxEvents} events`);
  const events: EventToPublish[] = [];
  for (const [i, item] of batch.entries()) {
    const event = eventOf(item, maxDataBytes, `batch[${i}]`);
    if (typeof event === 'string') return bad(event);
    if (event.channels.length !== 1) return bad(`batch[${i}]: exactly one "channel" per batch event`);
    events.push(event);
  }
  return { ok: true, events };
}
