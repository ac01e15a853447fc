const COUNT_EVENT = Buffer.from('{"event":"pusher_internal:subscription_count"');

/** Whether `frame` is a `pusher_internal:subscription_count` event. */
export function isCountEvent(frame: Uint8Array): boolean {
  return frame.length >= COUNT_EVENT.length && Buffer.compare(frame.subarray(0, COUNT_EVENT.length), COUNT_EVENT) === 0;
}

/**
 * The `pusher_internal:subscription_count` events this edge forwarded, per channel: every
 * presence replica publishes the same event (the same bytes for the same count), and a repeat of
 * the last forwarded one is dropped, so a client sees each count once. Forgotten with the
 * channel's last local subscriber.
 */
export class SubscriptionCounts {
  private readonly last = new Map<string, string>();

  /** Whether this count event changes what the channel's local subscribers last got. */
  admits(topic: string, frame: Uint8Array): boolean {
    const text = Buffer.from(frame.buffer, frame.byteOffset, frame.length).toString('latin1');
    if (this.last.get(topic) === text) return false;
    this.last.set(topic, text);
    return true;
  }

  forget(topic: string): void {
    this.last.delete(topic);
  }
}
