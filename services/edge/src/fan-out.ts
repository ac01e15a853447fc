import { CloseCode } from '@switchboard/protocol';
import type { EdgeStats } from './edge-stats.js';
import type { OutboundMessage } from './outbound-message.js';
import type { Subscription } from './session.js';

/**
 * The hot path: sends one message to every local subscriber of a topic. Per subscriber it is a
 * send-buffer check and queueing the shared frame bytes (the transport's write coalescer writes
 * each socket's frames of this event-loop turn in one system call); nothing is allocated per
 * subscriber. A subscriber still catching up holds the message instead, and one whose buffer is
 * over the limit is cut as a slow consumer (4008).
 */
export function fanOut(subscribers: ReadonlySet<Subscription>, message: OutboundMessage, sendBufferLimit: number, stats: EdgeStats): void {
  let delivered = 0;
  for (const sub of subscribers) {
    if (sub.session.closed) continue;
    if (sub.pending !== null) {
      hold(sub, message, sendBufferLimit, stats);
      continue;
    }
    const transport = sub.session.transport;
    if (transport.bufferedBytes > sendBufferLimit) {
      cutSlowConsumer(sub, stats);
      continue;
    }
    transport.sendMessage(message);
    delivered++;
  }
  stats.deliveries += delivered;
}

/** A subscription still catching up keeps live messages, within the send-buffer limit. */
function hold(sub: Subscription, message: OutboundMessage, sendBufferLimit: number, stats: EdgeStats): void {
  sub.pendingBytes += message.payload.length;
  if (sub.pendingBytes > sendBufferLimit) cutSlowConsumer(sub, stats);
  else sub.pending?.push(message);
}

function cutSlowConsumer(sub: Subscription, stats: EdgeStats): void {
  stats.slowConsumerCloses++;
  sub.session.close(CloseCode.Timeout, 'slow consumer');
}
