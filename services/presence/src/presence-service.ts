import type { Bus, BusSubscription } from '@switchboard/bus';
import type { Publisher } from '@switchboard/history';
import type { Router } from '@switchboard/http';
import { decodeReport, encodeReport, PRESENCE_REPORT_TOPIC, PRESENCE_SYNC_TOPIC, REPORT_VERSION } from '@switchboard/presence-report';
import type { Logger, Registry } from '@switchboard/telemetry';
import { PresenceAggregator } from './aggregator.js';
import type { PresenceSettings } from './config.js';
import { registerPresenceMetrics } from './presence-metrics.js';
import { presenceRoutes } from './presence-routes.js';
import { PusherChannelAnswers } from './pusher/pusher-channel-answers.js';
import { PusherClientEventHooks } from './pusher/pusher-client-event-hooks.js';
import { PusherMemberEvents } from './pusher/pusher-member-events.js';
import { PusherWebhooks } from './pusher/pusher-webhooks.js';
import { ReplicaRoster } from './replica-roster.js';
import { UserEvents } from './user-events.js';
import { WebhookSender } from './webhook-sender.js';

export interface PresenceServiceOptions {
  bus: Bus;
  /** Publishes user events on `$presence.users`; null = not published. */
  publisher: Publisher | null;
  settings: PresenceSettings;
  /** This replica's id (NODE_ID), named in its sync requests. */
  replicaId: string;
  log: Logger;
  /** Registry for the presence metrics; null = none. */
  metrics: Registry | null;
  now?: () => number;
}

/**
 * One presence replica: listens to edge reports on the bus, keeps the aggregate, asks edges for
 * full reports when it starts and when it finds a gap (at most once per interval per node),
 * drops silent nodes, and sends user events to the webhook and `$presence.users`. No storage:
 * a new replica asks every edge for a full report and is complete one interval later.
 */
export class PresenceService {
  readonly aggregator: PresenceAggregator;
  readonly webhook: WebhookSender | null;
  readonly events: UserEvents;
  readonly stats = { reportBytes: 0, badReports: 0, syncRequests: 0 };
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly lastSync = new Map<string, number>();
  private subscription: BusSubscription | null = null;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopWatch: (() => void) | null = null;
  /** Presence channel member events of the Pusher apps (null unless PUSHER_APPS is set and events can be published). */
  private pusher: PusherMemberEvents | null = null;
  /** The Pusher apps' webhooks (null unless some app has one). */
  readonly pusherWebhooks: PusherWebhooks | null = null;
  /** The replicas on the bus: only the oldest sends the Pusher webhooks (null when there are none). */
  readonly roster: ReplicaRoster | null = null;
  private pusherClientEvents: PusherClientEventHooks | null = null;
  private pusherAnswers: PusherChannelAnswers | null = null;

  private constructor(private readonly options: PresenceServiceOptions) {
    const { settings, log, publisher } = options;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.webhook =
      settings.PRESENCE_WEBHOOK_URL === undefined
        ? null
        : new WebhookSender({
            url: settings.PRESENCE_WEBHOOK_URL,
            queueLimit: settings.PRESENCE_WEBHOOK_QUEUE,
            timeoutMs: settings.PRESENCE_WEBHOOK_TIMEOUT_MS,
            maxBackoffMs: settings.PRESENCE_WEBHOOK_MAX_BACKOFF_MS,
            log,
          });
    const apps = settings.PUSHER_APPS;
    if (apps.list.some((app) => app.webhooks.length > 0)) {
      const roster = new ReplicaRoster(options.bus, {
        id: options.replicaId,
        startedAt: this.startedAt,
        intervalMs: settings.PRESENCE_INTERVAL_MS,
        now: this.now,
      });
      this.roster = roster;
      this.pusherWebhooks = new PusherWebhooks(apps, {
        isSender: () => roster.isSender(),
        queueLimit: settings.PRESENCE_WEBHOOK_QUEUE,
        timeoutMs: settings.PRESENCE_WEBHOOK_TIMEOUT_MS,
        maxBackoffMs: settings.PRESENCE_WEBHOOK_MAX_BACKOFF_MS,
        log,
        now: this.now,
      });
    }
    this.events = new UserEvents(
      this.webhook,
      settings.PRESENCE_WEBHOOK_SECRET ?? null,
      settings.PRESENCE_USERS_TOPIC ? publisher : null,
      log,
    );
    this.aggregator = new PresenceAggregator({
      intervalMs: settings.PRESENCE_INTERVAL_MS,
      now: this.now,
      onTransition: (t) => this.events.emit(t),
      onSyncNeeded: (node) => this.requestSync(node),
    });
  }

  /** Subscribes to the reports, asks every edge for a full report, and starts expiring nodes. */
  static async start(options: PresenceServiceOptions): Promise<PresenceService> {
    const service = new PresenceService(options);
    const { bus, metrics, settings } = options;
    service.subscription = await bus.subscribe(PRESENCE_REPORT_TOPIC, (_topic, payload) => service.onReport(payload));
    service.requestSync(null);
    service.stopWatch = bus.onStateChange((state) => {
      // Reports were lost while the bus was down: ask everyone again.
      if (state === 'up') service.requestSync(null, true);
    });
    await service.roster?.start();
    const apps = settings.PUSHER_APPS;
    if (apps.enabled && options.publisher !== null) {
      service.pusher = new PusherMemberEvents(service.aggregator, bus, options.publisher, options.log, service.pusherWebhooks, apps);
      await service.pusher.start();
    }
    if (apps.enabled) {
      service.pusherAnswers = new PusherChannelAnswers(service.aggregator, apps, () => service.ready());
      await service.pusherAnswers.start(bus);
    }
    if (service.pusherWebhooks?.wants('client_event') === true) {
      service.pusherClientEvents = new PusherClientEventHooks(apps, service.pusherWebhooks);
      await service.pusherClientEvents.start(bus);
    }
    service.sweepTimer = setInterval(
      () => {
        service.aggregator.sweep();
        service.pusher?.refresh();
      },
      Math.max(20, Math.floor(settings.PRESENCE_INTERVAL_MS / 10)),
    );
    service.sweepTimer.unref();
    if (metrics !== null) registerPresenceMetrics(metrics, service);
    return service;
  }

  /** Ready once the bus is up and one interval has passed (every edge has sent its full report). */
  ready(): boolean {
    return this.options.bus.state === 'up' && this.now() - this.startedAt >= this.options.settings.PRESENCE_INTERVAL_MS;
  }

  /** The presence API routes. */
  routes(): Router {
    const { API_KEYS, PRESENCE_PUBLIC_COUNTS } = this.options.settings;
    return presenceRoutes(this.aggregator, { apiKeys: API_KEYS, publicCounts: PRESENCE_PUBLIC_COUNTS });
  }

  async stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.stopWatch?.();
    await this.pusher?.stop();
    await this.pusherAnswers?.stop();
    await this.pusherClientEvents?.stop();
    await this.pusherWebhooks?.stop();
    await this.roster?.stop(); // after the last webhook flush: the next oldest replica takes over
    await this.subscription?.unsubscribe().catch(() => undefined);
    this.subscription = null;
    await this.webhook?.stop();
  }

  private onReport(payload: Uint8Array): void {
    this.stats.reportBytes += payload.length;
    const report = decodeReport(payload);
    if (report === null) {
      this.stats.badReports++;
      return;
    }
    try {
      this.aggregator.receive(report);
      this.pusher?.refresh();
    } catch (err) {
      this.options.log.error({ err, node: report.node }, 'presence report not applied');
    }
  }

  /** Asks one edge (or all, `node` null) for a full report; at most once per interval per target. */
  private requestSync(node: string | null, force = false): void {
    const key = node ?? '*';
    const now = this.now();
    const last = this.lastSync.get(key);
    if (!force && last !== undefined && now - last < this.options.settings.PRESENCE_INTERVAL_MS) return;
    this.lastSync.set(key, now);
    this.stats.syncRequests++;
    const request = encodeReport({ v: REPORT_VERSION, kind: 'sync', from: this.options.replicaId, node });
    this.options.bus.publish(PRESENCE_SYNC_TOPIC, request).catch(() => {
      // Bus down: the edges will resend in full when it is back (they watch the bus state too).
      this.lastSync.delete(key);
    });
  }
}
