import type { HistoryStore } from '@switchboard/history';
import type { StreamPosition } from '@switchboard/protocol';
import { encodeMessageFrame, encodeServerFrame } from '@switchboard/protocol';
import type { EdgeStats } from './edge-stats.js';
import type { Interest } from './interest.js';
import { OutboundMessage } from './outbound-message.js';
import type { Subscription } from './session.js';

/**
 * Brings a new subscription up to date. The subscription is already registered and holds live
 * messages in `pending`. This reads the topic's tip (or, with `since`, the missed messages),
 * sends the `ack`, then the missed messages, then the held live ones newer than the last sent,
 * and finally lets live messages through directly.
 */
export async function catchUp(
  sub: Subscription,
  history: HistoryStore,
  since: StreamPosition | undefined,
  limit: number,
  id: number | undefined,
  stats: EdgeStats,
  interest: Interest | undefined,
): Promise<void> {
  const transport = sub.session.transport;
  if (since === undefined) {
    const tip = await stats.delivery.timeRead(() => history.tip(sub.key));
    interest?.noteTip(tip.offset, tip.epoch);
    if (!sub.active) return ackWithoutOffset(sub, id);
    transport.sendText(encodeServerFrame({ op: 'ack', id, topic: sub.key, offset: tip.offset, epoch: tip.epoch }));
    return release(sub, tip.offset, stats);
  }
  const page = await stats.delivery.timeRead(() => history.since(sub.key, since.offset, limit, since.epoch));
  stats.delivery.replaySize.observe(page.messages.length);
  interest?.noteTip(page.offset, page.epoch);
  if (!sub.active) return ackWithoutOffset(sub, id);
  transport.sendText(
    encodeServerFrame({ op: 'ack', id, topic: sub.key, offset: page.offset, epoch: page.epoch, recovered: page.complete }),
  );
  let lastSent = since.epoch === undefined || since.epoch === page.epoch ? since.offset : 0;
  for (const entry of page.messages) {
    transport.sendMessage(new OutboundMessage(Buffer.from(encodeMessageFrame(sub.key, entry.offset, entry.data))));
    stats.deliveries++;
    lastSent = entry.offset;
  }
  release(sub, lastSent, stats);
}

/** Answers a live-only subscribe (wildcard, or history off), then lets live messages through. */
export function answerLive(sub: Subscription, id: number | undefined, stats: EdgeStats): void {
  ackWithoutOffset(sub, id);
  if (sub.active) release(sub, null, stats);
}

/** An ack without offset: for a live-only subscribe, or one the client undid while in flight. */
function ackWithoutOffset(sub: Subscription, id: number | undefined): void {
  sub.session.transport.sendText(encodeServerFrame({ op: 'ack', id, topic: sub.key, offset: null, epoch: null }));
}

/** Sends the held live messages newer than `lastSent` (all when null) and opens the gate. */
export function release(sub: Subscription, lastSent: number | null, stats: EdgeStats): void {
  const held = sub.pending ?? [];
  sub.pending = null;
  sub.pendingBytes = 0;
  for (const message of held) {
    const offset = message.offset;
    if (lastSent !== null && offset !== null && offset <= lastSent) continue;
    sub.session.transport.sendMessage(message);
    stats.deliveries++;
  }
}
