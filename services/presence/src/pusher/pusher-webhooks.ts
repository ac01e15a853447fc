import { createHash } from 'node:crypto';
import {
  hmacHex,
  type PusherApp,
  type PusherApps,
  type PusherWebhook,
  type WebhookEventName,
  webhookWants,
} from '@switchboard/pusher-protocol';
import { type WebhookRequest, WebhookSender, type WebhookStats } from '../webhook-sender.js';

/** One event of a Pusher webhook body (`events[]`), in Pusher's field names. */
export type PusherWebhookEvent =
  | { name: 'channel_occupied' | 'channel_vacated'; channel: string }
  | { name: 'member_added' | 'member_removed'; channel: string; user_id: string }
  | { name: 'client_event'; channel: string; event: string; data: string; socket_id: string; user_id?: string }
  | { name: 'subscription_count'; channel: string; subscription_count: number };

export interface PusherWebhooksOptions {
  /** Events (requests) waiting per webhook URL; past it the oldest is dropped. */
  queueLimit: number;
  timeoutMs: number;
  maxBackoffMs: number;
  log: { warn(obj: object, msg: string): void };
  now?: () => number;
  /**
   * Whether this replica sends (the oldest live replica, see ReplicaRoster); events emitted while
   * it is false are dropped, so a cluster sends each one once. Absent: always sends.
   */
  isSender?: () => boolean;
}

/** Events in one request at most (Pusher batches too); more go in the next request. */
export const MAX_EVENTS_PER_REQUEST = 100;

interface Target {
  app: PusherApp;
  hook: PusherWebhook;
  sender: WebhookSender;
  pending: PusherWebhookEvent[];
}

/** The Pusher webhook request: `{time_ms, events}` with `X-Pusher-Key` and `X-Pusher-Signature` (HMAC-SHA256 hex of the body, key the app secret). */
export function pusherWebhookRequest(app: PusherApp, timeMs: number, events: PusherWebhookEvent[]): WebhookRequest {
  const body = JSON.stringify({ time_ms: timeMs, events });
  return {
    id: createHash('sha256').update(body).digest('hex').slice(0, 32),
    body,
    headers: { 'x-pusher-key': app.key, 'x-pusher-signature': hmacHex(app.secret, body) },
  };
}

/**
 * The Pusher webhooks of the apps in PUSHER_APPS (their `webhooks` option): one WebhookSender
 * per URL (its own ordered queue, retries and bound). Events emitted in one synchronous run
 * (one report applied, one sweep) are batched into one request per URL, up to
 * MAX_EVENTS_PER_REQUEST events each, in the order they were emitted.
 */
export class PusherWebhooks {
  private readonly targets = new Map<string, Target[]>();
  private flushScheduled = false;
  private readonly now: () => number;
  private readonly isSender: () => boolean;
  /** Events not sent because another replica is the sender. */
  leftToSender = 0;

  constructor(apps: PusherApps, options: PusherWebhooksOptions) {
    this.now = options.now ?? Date.now;
    this.isSender = options.isSender ?? (() => true);
    for (const app of apps.list) {
      const targets = app.webhooks.map((hook) => ({
        app,
        hook,
        pending: [],
        sender: new WebhookSender({
          url: hook.url,
          queueLimit: options.queueLimit,
          timeoutMs: options.timeoutMs,
          maxBackoffMs: options.maxBackoffMs,
          log: options.log,
          logContext: { pusherApp: app.id },
        }),
      }));
      if (targets.length > 0) this.targets.set(app.id, targets);
    }
  }

  /** Whether any app has a webhook for `event` (the service subscribes to client event reports only then). */
  wants(event: WebhookEventName): boolean {
    for (const targets of this.targets.values()) if (targets.some((t) => t.hook.eventTypes.has(event))) return true;
    return false;
  }

  /**
   * Queues `event` of app `appId` for every webhook of that app that wants it; sent at the end of
   * this run, when this replica is the sender.
   */
  emit(appId: string, event: PusherWebhookEvent): void {
    const targets = this.targets.get(appId);
    if (targets === undefined) return;
    if (!this.isSender()) {
      this.leftToSender++;
      return;
    }
    for (const target of targets) if (webhookWants(target.hook, event.name, event.channel)) target.pending.push(event);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Turns the pending events into signed requests on each URL's queue. */
  flush(): void {
    this.flushScheduled = false;
    const time = this.now();
    for (const targets of this.targets.values()) {
      for (const target of targets) {
        for (let i = 0; i < target.pending.length; i += MAX_EVENTS_PER_REQUEST) {
          target.sender.enqueue(pusherWebhookRequest(target.app, time, target.pending.slice(i, i + MAX_EVENTS_PER_REQUEST)));
        }
        target.pending.length = 0;
      }
    }
  }

  /** Requests waiting over every URL. */
  get pending(): number {
    let n = 0;
    for (const targets of this.targets.values()) for (const t of targets) n += t.sender.pending;
    return n;
  }

  /** The senders' counters, summed. */
  stats(): WebhookStats {
    const sum: WebhookStats = { delivered: 0, attempts: 0, failures: 0, dropped: 0, rejected: 0 };
    for (const targets of this.targets.values())
      for (const { sender } of targets) for (const k of Object.keys(sum) as Array<keyof WebhookStats>) sum[k] += sender.stats[k];
    return sum;
  }

  async stop(): Promise<void> {
    this.flush();
    await Promise.all([...this.targets.values()].flat().map((t) => t.sender.stop()));
  }
}
