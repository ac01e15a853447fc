import { CloseCode } from '@switchboard/protocol';
import type { EdgeStats } from '../metrics/edge-stats.js';
import type { Session, Subscription } from '../session/session.js';
import type { OutboundMessage } from '../transport/outbound-message.js';

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
    const session = sub.session;
    if (session.closed) continue;
    if (sub.pending !== null) {
      hold(sub, message, sendBufferLimit, stats);
      continue;
    }
    if (session.owedBytes > sendBufferLimit) {
      cutSlowConsumer(session, stats);
      continue;
    }
    session.transport.sendMessage(message);
    delivered++;
  }
  stats.deliveries += delivered;
}

/**
 * A subscription still catching up keeps live messages; they count, with what its transport
 * has not sent yet, against the send-buffer limit of the session.
 */
function hold(sub: Subscription, message: OutboundMessage, sendBufferLimit: number, stats: EdgeStats): void {
  if (sub.hold(message) > sendBufferLimit) cutSlowConsumer(sub.session, stats);
}

/** Closes a session that owes its client more than the send-buffer limit (4008). */
export function cutSlowConsumer(session: Session, stats: EdgeStats): void {
  if (session.closed) return;
  stats.slowConsumerCloses++;
  session.close(CloseCode.Timeout, 'slow consumer');
}
