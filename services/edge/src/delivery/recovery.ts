import type { HistoryPage, HistoryStore } from '@switchboard/history';
import type { StreamPosition } from '@switchboard/protocol';
import type { EdgeStats } from '../metrics/edge-stats.js';
import type { Subscription } from '../session/session.js';
import { messageFromHistory } from '../transport/outbound-message.js';
import { cutSlowConsumer } from './fan-out.js';
import type { Interest } from './interest.js';

/** Messages read from history per request of a replay. */
export const REPLAY_PAGE = 32;
/** How often a waiting replay looks again (unsubscribed? closed?) when the socket does not drain. */
const RECHECK_MS = 100;

/** What every catch-up of an edge uses: its history, stats and limits (built once, see ClientRequests). */
export interface ReplayContext {
  history: HistoryStore;
  stats: EdgeStats;
  /** HISTORY_SIZE: the most missed messages one catch-up replays. */
  maxMessages: number;
  /** MAX_SEND_BUFFER_BYTES: the session's budget of bytes owed to its client (unsent + held); over it: 4008. */
  sendBufferLimit: number;
  /** SEND_STALL_TIMEOUT_MS: a replay waiting this long for a socket that does not drain closes the session with 4008. */
  stallTimeoutMs: number;
}

/** One subscribe to bring up to date. */
export interface CatchUpRequest {
  /** The subscription, registered and holding live messages. */
  sub: Subscription;
  /** The subscribe's id, echoed in its ack. */
  id: number | undefined;
  /** Where the client left off; undefined: it starts at the tip (nothing is replayed). */
  since: StreamPosition | undefined;
  /** The topic's Interest, told the tip read here (its ordering starts there); undefined when there is none. */
  interest: Interest | undefined;
}

/**
 * Brings a new subscription up to date. The subscription is already registered and holds live
 * messages in `pending`. This reads the topic's tip (or, with `since`, the first page of missed
 * messages), sends the `ack`, then the missed messages, then the held live ones newer than the
 * last sent, and finally lets live messages through directly.
 *
 * A replay never queues the whole window: it reads history a page at a time and, before each
 * message, waits while the transport holds more than the low-water mark (a quarter of the
 * send-buffer limit). Held live messages count against the limit meanwhile (see fan-out.ts). A
 * socket that does not drain for `stallTimeoutMs` while a replay waits on it is a slow
 * consumer: 4008. An unsubscribe or close ends the replay at its next step.
 */
export async function catchUp(request: CatchUpRequest, context: ReplayContext): Promise<void> {
  const { sub, id, since, interest } = request;
  const { history, stats, maxMessages: limit } = context;
  const transport = sub.session.transport;
  if (since === undefined) {
    const tip = await stats.delivery.timeRead(() => history.tip(sub.key));
    interest?.noteTip(tip.offset, tip.epoch);
    if (!sub.active) return ackWithoutOffset(sub, id);
    transport.send({ op: 'ack', id, topic: sub.key, offset: tip.offset, epoch: tip.epoch });
    return release(sub, tip.offset, stats);
  }
  let page = await stats.delivery.timeRead(() => history.since(sub.key, since.offset, Math.min(limit, REPLAY_PAGE), since.epoch));
  interest?.noteTip(page.offset, page.epoch);
  if (!sub.active) return ackWithoutOffset(sub, id);
  transport.send({ op: 'ack', id, topic: sub.key, offset: page.offset, epoch: page.epoch, recovered: page.complete });
  const epoch = page.epoch;
  const tip = page.offset;
  let lastSent = since.epoch === undefined || since.epoch === epoch ? since.offset : 0;
  let sent = 0;
  for (;;) {
    for (const entry of page.messages) {
      if (entry.offset <= lastSent || entry.offset > tip) continue;
      if (!(await roomToSend(sub, context))) return;
      transport.sendMessage(messageFromHistory(sub.key, entry.offset, entry.data));
      stats.deliveries++;
      lastSent = entry.offset;
      sent++;
    }
    if (lastSent >= tip || sent >= limit || page.messages.length === 0) break;
    const next: HistoryPage = await stats.delivery.timeRead(() =>
      history.since(sub.key, lastSent, Math.min(limit - sent, REPLAY_PAGE), epoch),
    );
    // The topic started over meanwhile: its Interest closes the subscribers (epochChanged).
    if (next.epoch !== epoch || !sub.active || sub.session.closed) break;
    page = next;
  }
  stats.delivery.replaySize.observe(sent);
  if (sub.active && !sub.session.closed) release(sub, lastSent, stats);
}

/**
 * Waits until the transport is under the low-water mark. False when the replay must stop: the
 * client unsubscribed or is gone, or its socket took nothing for `stallTimeoutMs` (then it is
 * cut, 4008). The stall is the session's, not this replay's: a client that undoes each
 * subscribe and sends the next cannot restart the clock.
 */
async function roomToSend(sub: Subscription, context: ReplayContext): Promise<boolean> {
  const session = sub.session;
  const lowWater = context.sendBufferLimit / 4;
  for (;;) {
    if (!sub.active || session.closed) return false;
    const buffered = session.transport.bufferedBytes;
    const now = Date.now();
    if (buffered <= lowWater) {
      session.stall = null;
      return true;
    }
    // Progress (the client took bytes) restarts the clock.
    if (session.stall === null || buffered < session.stall.bytes) session.stall = { since: now, bytes: buffered };
    else if (now - session.stall.since >= context.stallTimeoutMs) {
      cutSlowConsumer(session, context.stats);
      return false;
    }
    await session.transport.drained(RECHECK_MS);
  }
}

/** Answers a live-only subscribe (wildcard, or history off), then lets live messages through. */
export function answerLive(sub: Subscription, id: number | undefined, stats: EdgeStats): void {
  ackWithoutOffset(sub, id);
  if (sub.active) release(sub, null, stats);
}

/** An ack without offset: for a live-only subscribe, or one the client undid while in flight. */
function ackWithoutOffset(sub: Subscription, id: number | undefined): void {
  sub.session.transport.send({ op: 'ack', id, topic: sub.key, offset: null, epoch: null });
}

/** Sends the held live messages newer than `lastSent` (all when null) and opens the gate. */
export function release(sub: Subscription, lastSent: number | null, stats: EdgeStats): void {
  for (const message of sub.takeHeld()) {
    const offset = message.offset;
    if (lastSent !== null && offset !== null && offset <= lastSent) continue;
    sub.session.transport.sendMessage(message);
    stats.deliveries++;
  }
}
