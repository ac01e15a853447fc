/**
 * A Pusher event on our bus. It travels as the `data` of a native `message` frame on the
 * channel's topic, already in the exact shape a Pusher client receives
 * (`{"event":…,"channel":…,"data":…}`), so an edge frames it by slicing the bus bytes: no
 * parse, no per-subscriber JSON. An event that must skip one connection (`socket_id` of the
 * HTTP API, or the sender of a client event) is wrapped: `{"exclude":"<socket id>","frame":{…}}`.
 */

/** Pusher socket ids: two integers joined by a dot. */
export const SOCKET_ID = /^\d{1,20}\.\d{1,20}$/;

export interface PusherEvent {
  event: string;
  channel: string;
  /** Pusher sends `data` as a string from the HTTP API; client events carry any JSON. */
  data: unknown;
  /** Presence channels: the member who sent a client event. */
  user_id?: string;
}

/** The `data` JSON to publish on the channel's topic. */
export function encodePusherEvent(event: PusherEvent, excludeSocketId?: string): string {
  const frame = JSON.stringify(event);
  if (excludeSocketId === undefined) return frame;
  if (!SOCKET_ID.test(excludeSocketId)) throw new Error('invalid socket id');
  return `{"exclude":"${excludeSocketId}","frame":${frame}}`;
}

const DATA_FIELD = Buffer.from(',"data":');
const EXCLUDE_HEAD = Buffer.from('{"exclude":"');
const FRAME_FIELD = '","frame":';

/** The client frame and the excluded socket id of a bus `message` frame carrying a Pusher event. */
export interface SplitEvent {
  frame: Uint8Array;
  exclude: string | null;
}

/**
 * Finds the Pusher frame inside the native `message` frame bytes (the topic never contains
 * `,"data":`, so the first one is the field). Null when the bytes are not such a frame.
 */
export function splitPusherEvent(bytes: Uint8Array): SplitEvent | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const at = buf.indexOf(DATA_FIELD);
  if (at < 0 || buf[buf.length - 1] !== 0x7d) return null;
  const start = at + DATA_FIELD.length;
  const end = buf.length - 1;
  if (buf.compare(EXCLUDE_HEAD, 0, EXCLUDE_HEAD.length, start, start + EXCLUDE_HEAD.length) !== 0) {
    return { frame: buf.subarray(start, end), exclude: null };
  }
  const idStart = start + EXCLUDE_HEAD.length;
  const idEnd = buf.indexOf(FRAME_FIELD, idStart);
  if (idEnd < 0 || idEnd - idStart > 41) return null;
  return { frame: buf.subarray(idEnd + FRAME_FIELD.length, end - 1), exclude: buf.toString('latin1', idStart, idEnd) };
}
