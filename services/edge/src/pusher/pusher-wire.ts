import { splitPusherEvent } from '@switchboard/pusher-protocol';
import type { TextMessage } from '../transport/text-message.js';
import { frameText } from '../transport/websocket/ws-frame.js';
import type { PusherPresence } from './pusher-presence.js';

/** A bus message as the Pusher endpoint writes it: one WebSocket frame shared by every subscriber. */
export interface PusherWire {
  frame: Buffer;
  /** The socket id that must not get it (the sender of a client event, or `socket_id` of the API). */
  exclude: string | null;
}

/**
 * The Pusher frame of a message, built once per message on first use and cached on it: the
 * client frame is a slice of the bus bytes (see @switchboard/pusher-protocol event-payload.ts),
 * so this is one copy into a WebSocket frame, no JSON. Null for a payload that is not a Pusher
 * event, or a presence member event that changes nothing on this edge (nothing is sent then).
 */
export function pusherWireOf(message: TextMessage, presence: PusherPresence): PusherWire | null {
  let wire = message.pusher;
  if (wire === undefined) {
    const split = splitPusherEvent(message.payload);
    const topic = split === null ? null : message.topic;
    wire =
      split === null || topic === null || !presence.admits(topic, split.frame)
        ? null
        : { frame: frameText(split.frame), exclude: split.exclude };
    message.pusher = wire;
  }
  return wire;
}
