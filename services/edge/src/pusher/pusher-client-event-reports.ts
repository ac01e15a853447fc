import { TokenBucket } from '@switchboard/http';
import { CLIENT_EVENTS_TOPIC, type ClientEventReport, type PusherApp, type PusherApps } from '@switchboard/pusher-protocol';
import type { PusherHost } from './pusher-host.js';

/** At most one "reports dropped" warning per app per this long. */
const WARN_EVERY_MS = 10_000;

/**
 * Reports the client events of apps that have a `client_event` webhook to the presence service
 * (CLIENT_EVENTS_TOPIC), which sends the webhook once per cluster. Bounded per app on this edge
 * by the app's `maxClientEventWebhooksPerSecond` (burst 2×): past it the event still reaches
 * the channel, only its webhook report is dropped (counted, and logged at most every 10 s).
 * Apps without such a webhook cost nothing here.
 */
export class PusherClientEventReports {
  readonly stats = { reported: 0, dropped: 0, failed: 0 };
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly lastWarning = new Map<string, number>();

  constructor(
    private readonly host: PusherHost,
    apps: PusherApps,
  ) {
    for (const app of apps.list) {
      if (!app.clientEvents || !app.webhooks.some((hook) => hook.eventTypes.has('client_event'))) continue;
      const rate = app.maxClientEventWebhooksPerSecond;
      this.buckets.set(app.id, new TokenBucket(rate, 2 * rate));
    }
  }

  /** Reports one client event that was published on its channel. `data` is the client's JSON value. */
  report(app: PusherApp, channel: string, event: string, data: unknown, socketId: string, userId: string | undefined): void {
    const bucket = this.buckets.get(app.id);
    if (bucket === undefined) return;
    if (!bucket.take()) {
      this.stats.dropped++;
      const now = Date.now();
      if (now - (this.lastWarning.get(app.id) ?? 0) >= WARN_EVERY_MS) {
        this.lastWarning.set(app.id, now);
        this.host.log.warn(
          { app: app.id, limit: app.maxClientEventWebhooksPerSecond, droppedSoFar: this.stats.dropped },
          'client_event webhooks over the app limit on this edge: reports dropped (the events themselves were delivered)',
        );
      }
      return;
    }
    const report: ClientEventReport = {
      app: app.id,
      channel,
      event,
      data: typeof data === 'string' ? data : JSON.stringify(data ?? null),
      socket_id: socketId,
      ...(userId === undefined ? {} : { user_id: userId }),
    };
    this.stats.reported++;
    this.host.bus.publish(CLIENT_EVENTS_TOPIC, Buffer.from(JSON.stringify(report))).catch(() => {
      this.stats.failed++;
    });
  }
}
