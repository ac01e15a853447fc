import type { Bus, BusSubscription } from '@switchboard/bus';
import {
  CLIENT_EVENTS_TOPIC,
  type ClientEventReport,
  channelKind,
  isValidChannel,
  type PusherApps,
  SOCKET_ID,
} from '@switchboard/pusher-protocol';
import type { PusherWebhooks } from './pusher-webhooks.js';

/** Largest `data` accepted in a report (the edge's frames are bounded by MAX_MESSAGE_BYTES; this is the receiver's own bound). */
const MAX_DATA_CHARS = 1024 * 1024;

/** The report, or null when it is not a well-formed client event of a configured app with client events on. */
export function decodeClientEventReport(payload: Uint8Array, apps: PusherApps): ClientEventReport | null {
  let r: Partial<Record<keyof ClientEventReport, unknown>>;
  try {
    r = JSON.parse(Buffer.from(payload).toString('utf8')) as typeof r;
  } catch {
    return null;
  }
  if (typeof r.app !== 'string' || apps.withId(r.app)?.clientEvents !== true) return null;
  if (!isValidChannel(r.channel) || !['private', 'presence'].includes(channelKind(r.channel))) return null;
  if (typeof r.event !== 'string' || !r.event.startsWith('client-') || r.event.length > 200) return null;
  if (typeof r.data !== 'string' || r.data.length > MAX_DATA_CHARS) return null;
  if (typeof r.socket_id !== 'string' || !SOCKET_ID.test(r.socket_id)) return null;
  if (r.user_id !== undefined && (typeof r.user_id !== 'string' || r.user_id.length > 1000)) return null;
  return r as ClientEventReport;
}

/**
 * `client_event` webhooks: the edges report each client event of an app that has such a webhook
 * on CLIENT_EVENTS_TOPIC (rate-limited per app on each edge); this turns each report into one
 * webhook event. Malformed reports are counted and dropped.
 */
export class PusherClientEventHooks {
  readonly stats = { received: 0, bad: 0 };
  private subscription: BusSubscription | null = null;

  constructor(
    private readonly apps: PusherApps,
    private readonly webhooks: PusherWebhooks,
  ) {}

  async start(bus: Bus): Promise<void> {
    this.subscription = await bus.subscribe(CLIENT_EVENTS_TOPIC, (_t, payload) => this.onReport(payload));
  }

  async stop(): Promise<void> {
    await this.subscription?.unsubscribe().catch(() => undefined);
  }

  private onReport(payload: Uint8Array): void {
    const report = decodeClientEventReport(payload, this.apps);
    if (report === null) {
      this.stats.bad++;
      return;
    }
    this.stats.received++;
    const { app, channel, event, data, socket_id, user_id } = report;
    const userId = user_id !== undefined && channelKind(channel) === 'presence' ? { user_id } : {};
    this.webhooks.emit(app, { name: 'client_event', channel, event, data, socket_id, ...userId });
  }
}
