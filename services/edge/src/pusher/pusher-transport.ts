import { CloseCode, type ControlFrame } from '@switchboard/protocol';
import type { PusherApp } from '@switchboard/pusher-protocol';
import { PusherError } from '@switchboard/pusher-protocol';
import type { WebSocket } from 'ws';
import type { OutboundMessage } from '../transport/outbound-message.js';
import { enqueue } from '../transport/websocket/write-coalescer.js';
import { WsTransport } from '../transport/websocket/ws-transport.js';
import { connectionEstablished } from './pusher-frames.js';
import type { PusherPresence } from './pusher-presence.js';
import { pusherWireOf } from './pusher-wire.js';

const PING = '{"event":"pusher:ping","data":"{}"}';

/** Native close codes the edge core uses, as the Pusher close code a pusher-js client acts on. */
function pusherCloseCode(code: number, reason: string): number {
  switch (code) {
    case CloseCode.GoingAway:
      return PusherError.Reconnect;
    case CloseCode.Timeout:
      return reason === 'heartbeat timeout' ? PusherError.PongNotReceived : PusherError.OverCapacity;
    case CloseCode.RateLimited:
      return PusherError.OverCapacity;
    case CloseCode.Unauthorized:
    case CloseCode.Forbidden:
      return PusherError.Unauthorized;
    default:
      return code;
  }
}

/**
 * The WebSocket transport of a Pusher connection (`/app/{key}`). The edge core drives it like
 * any transport, and it speaks Pusher on the wire:
 * - fan-out messages go out as the message's Pusher frame, built once per message and shared
 *   (`pusherWireOf`), skipping this connection when the event excludes its socket id;
 * - the core's typed control frames are translated: `welcome` becomes
 *   `pusher:connection_established`, `ping` becomes `pusher:ping`, a drain's
 *   `reconnect` becomes close 4200 after its `after`; the rest (native acks) have no meaning
 *   here and are dropped; the Pusher layer writes its own frames with `sendPusher`;
 * - native close codes become Pusher's (1001 → 4200, heartbeat 4008 → 4201, slow consumer → 4100, …).
 */
export class PusherTransport extends WsTransport {
  /** The user of a successful `pusher:signin`. */
  userId: string | null = null;

  constructor(
    private readonly pusherWs: WebSocket,
    readonly app: PusherApp,
    readonly socketId: string,
    private readonly presence: PusherPresence,
  ) {
    super(pusherWs);
  }

  override sendMessage(message: OutboundMessage): void {
    // Pusher events are JSON text; a bytes message is no Pusher event and reaches no Pusher client.
    if (message.kind !== 'text') return;
    const wire = pusherWireOf(message, this.presence);
    if (wire === null || wire.exclude === this.socketId || this.pusherWs.readyState !== this.pusherWs.OPEN) return;
    enqueue(this, wire.frame);
  }

  /**
   * The core's control frames in Pusher terms: `welcome` → `pusher:connection_established` (its
   * `activity_timeout` from the heartbeat), `ping` → `pusher:ping`, `reconnect` → close 4200
   * after `after`; the rest (native acks and errors) have no meaning here.
   */
  override send(frame: ControlFrame): void {
    if (frame.op === 'welcome') this.sendPusher(connectionEstablished(this.socketId, Math.max(1, Math.round(frame.heartbeat / 1000))));
    else if (frame.op === 'ping') this.sendPusher(PING);
    else if (frame.op === 'reconnect') setTimeout(() => this.close(CloseCode.GoingAway, 'server draining, reconnect'), frame.after).unref();
  }

  /** Writes one Pusher frame (JSON text). */
  sendPusher(text: string): void {
    this.sendJsonText(text);
  }

  override close(code: number, reason: string): void {
    super.close(pusherCloseCode(code, reason), reason);
  }
}
