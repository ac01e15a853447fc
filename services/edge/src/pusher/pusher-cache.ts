import type { HistoryStore } from '@switchboard/history';
import { release } from '../delivery/recovery.js';
import type { Subscription } from '../session/session.js';
import type { PusherHost } from './pusher-host.js';
import type { PusherTransport } from './pusher-transport.js';

/** Pusher cache channels: `cache-…`, `private-cache-…`, `private-encrypted-cache-…`, `presence-cache-…`. */
export function isCacheChannel(channel: string): boolean {
  return /^(private-encrypted-|private-|presence-)?cache-/.test(channel);
}

/** Messages read back from the tip to find the last event that is not a member event. */
const LOOK_BACK = 10;
const INTERNAL = '{"event":"pusher_internal:';

/** The client frame of a stored Pusher event (unwrapping a `socket_id` exclusion), or null when it is not one. */
function frameOf(data: string, socketId: string): string | null {
  if (!data.startsWith('{"exclude":')) return data.startsWith('{"event":') && !data.startsWith(INTERNAL) ? data : null;
  try {
    const wrapped = JSON.parse(data) as { exclude?: unknown; frame?: unknown };
    return wrapped.exclude === socketId || typeof wrapped.frame !== 'object' ? null : JSON.stringify(wrapped.frame);
  } catch {
    return null;
  }
}

/**
 * Cache channels: a new subscriber gets the channel's last event right after
 * `subscription_succeeded`, or `pusher:cache_miss` when there is none. "Last event" is the
 * newest message in the topic's history (so it lives as long as HISTORY_SIZE / HISTORY_TTL_MS
 * keep it) that is an event (member events skipped). Live events held during the read follow,
 * newer than what the history read covered.
 */
export class PusherCache {
  constructor(
    private readonly host: PusherHost,
    private readonly history: HistoryStore | null,
  ) {}

  /** Sends the cached event (or cache_miss) to a just-subscribed client, then lets live events through. */
  async replay(sub: Subscription, transport: PusherTransport, channel: string): Promise<void> {
    let last: { frame: string | null; tip: number | null } = { frame: null, tip: null };
    try {
      if (this.history !== null) last = await this.lastEvent(this.history, sub.key, transport.socketId);
    } catch (err) {
      this.host.log.warn({ err, channel }, 'cache channel: history not readable; answering cache_miss');
    }
    if (!sub.active || sub.session.closed) return;
    transport.sendPusher(last.frame ?? JSON.stringify({ event: 'pusher:cache_miss', channel }));
    release(sub, last.tip, this.host.stats);
  }

  private async lastEvent(history: HistoryStore, topic: string, socketId: string): Promise<{ frame: string | null; tip: number }> {
    const tip = await history.tip(topic);
    if (tip.offset === 0) return { frame: null, tip: 0 };
    const page = await history.since(topic, Math.max(0, tip.offset - LOOK_BACK), LOOK_BACK, tip.epoch);
    for (let i = page.messages.length - 1; i >= 0; i--) {
      const entry = page.messages[i];
      // Pusher clients get no bytes messages (docs/pusher.md), so a bytes entry is never the cached event.
      if (entry === undefined || entry.offset > tip.offset || typeof entry.data !== 'string') continue;
      const frame = frameOf(entry.data, socketId);
      if (frame !== null) return { frame, tip: tip.offset };
    }
    return { frame: null, tip: tip.offset };
  }
}
