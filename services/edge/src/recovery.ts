import type { HistoryStore } from '@switchboard/history';
import type { StreamPosition } from '@switchboard/protocol';
import { encodeMessageFrame, encodeServerFrame } from '@switchboard/protocol';
import type { EdgeStats } from './edge-stats.js';
import { OutboundMessage } from './outbound-message.js';
import type { Subscription } from './session.js';

export interface CatchUpResult {
  offset: number;
  epoch: string;
  recovered: boolean;
}

/**
 * Brings a new subscription up to date. The subscription is already registered with
 * `pending = []`, so live messages that arrive meanwhile are held. This reads the topic's tip
 * (or, with `since`, the missed messages), sends the `ack`, then the missed messages, then the
 * held live ones newer than the last sent, and finally lets live messages through directly.
 */
export async function catchUp(
  sub: Subscription,
  history: HistoryStore,
  since: StreamPosition | undefined,
  limit: number,
  id: number | undefined,
  stats: EdgeStats,
): Promise<CatchUpResult> {
  const transport = sub.session.transport;
  let result: CatchUpResult;
  let lastSent: number;
  if (since === undefined) {
    const tip = await history.tip(sub.key);
    result = { offset: tip.offset, epoch: tip.epoch, recovered: true };
    lastSent = tip.offset;
    transport.sendText(encodeServerFrame({ op: 'ack', id, topic: sub.key, offset: tip.offset, epoch: tip.epoch }));
  } else {
    const page = await history.since(sub.key, since.offset, limit, since.epoch);
    result = { offset: page.offset, epoch: page.epoch, recovered: page.complete };
    transport.sendText(
      encodeServerFrame({ op: 'ack', id, topic: sub.key, offset: page.offset, epoch: page.epoch, recovered: page.complete }),
    );
    lastSent = since.epoch === page.epoch ? since.offset : 0;
    for (const entry of page.messages) {
      transport.sendMessage(new OutboundMessage(Buffer.from(encodeMessageFrame(sub.key, entry.offset, entry.data))));
      stats.deliveries++;
      lastSent = entry.offset;
    }
  }
  const held = sub.pending ?? [];
  sub.pending = null;
  sub.pendingBytes = 0;
  for (const message of held) {
    const offset = message.offset;
    if (offset !== null && offset <= lastSent) continue;
    transport.sendMessage(message);
    stats.deliveries++;
  }
  return result;
}
