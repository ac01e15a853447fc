import { counterFrom, gaugeFrom, type Registry } from '@switchboard/telemetry';
import type { PresenceService } from './presence-service.js';

/** The presence service's metrics, read at scrape time. */
export function registerPresenceMetrics(registry: Registry, service: PresenceService): void {
  const { aggregator, events, webhook, stats, pusherWebhooks } = service;
  const summary = () => aggregator.summary();
  gaugeFrom(registry, 'switchboard_presence_nodes', 'Edges reporting', () => summary().nodes.length);
  gaugeFrom(registry, 'switchboard_presence_connections', 'Client connections over all edges', () => summary().connections);
  gaugeFrom(registry, 'switchboard_presence_subscriptions', 'Client subscriptions over all edges', () => summary().subscriptions);
  gaugeFrom(registry, 'switchboard_presence_topics', 'Topics and patterns with subscribers', () => summary().topics);
  gaugeFrom(registry, 'switchboard_presence_users_online', 'Distinct authenticated users connected', () => summary().users);
  counterFrom(registry, 'switchboard_presence_reports_total', 'Edge reports received', () => aggregator.stats.reports);
  counterFrom(registry, 'switchboard_presence_report_bytes_total', 'Bytes of edge reports received', () => stats.reportBytes);
  counterFrom(registry, 'switchboard_presence_bad_reports_total', 'Undecodable reports', () => stats.badReports);
  counterFrom(
    registry,
    'switchboard_presence_gaps_total',
    'Reports not applicable (gap, unknown node): sync needed',
    () => aggregator.stats.gaps,
  );
  counterFrom(registry, 'switchboard_presence_sync_requests_total', 'Full reports requested from edges', () => stats.syncRequests);
  counterFrom(
    registry,
    'switchboard_presence_nodes_expired_total',
    'Edges dropped after 3 silent intervals',
    () => aggregator.stats.expired,
  );
  counterFrom(registry, 'switchboard_presence_online_events_total', 'Users that came online', () => events.stats.online);
  counterFrom(registry, 'switchboard_presence_offline_events_total', 'Users that went offline', () => events.stats.offline);
  counterFrom(
    registry,
    'switchboard_presence_event_publish_failures_total',
    'Events not published on $presence.users',
    () => events.stats.publishFailures,
  );
  if (pusherWebhooks !== null) {
    const hooks = () => pusherWebhooks.stats();
    gaugeFrom(registry, 'switchboard_presence_pusher_webhook_queue', 'Pusher webhook requests waiting', () => pusherWebhooks.pending);
    counterFrom(
      registry,
      'switchboard_presence_pusher_webhook_delivered_total',
      'Pusher webhook requests accepted',
      () => hooks().delivered,
    );
    counterFrom(
      registry,
      'switchboard_presence_pusher_webhook_failures_total',
      'Pusher webhook attempts failed (retried)',
      () => hooks().failures,
    );
    counterFrom(
      registry,
      'switchboard_presence_pusher_webhook_dropped_total',
      'Pusher webhook requests dropped (full queue)',
      () => hooks().dropped,
    );
    counterFrom(
      registry,
      'switchboard_presence_pusher_webhook_rejected_total',
      'Pusher webhook requests refused (4xx)',
      () => hooks().rejected,
    );
  }
  if (webhook === null) return;
  gaugeFrom(registry, 'switchboard_presence_webhook_queue', 'Events waiting for the webhook', () => webhook.pending);
  counterFrom(registry, 'switchboard_presence_webhook_delivered_total', 'Events the webhook accepted', () => webhook.stats.delivered);
  counterFrom(
    registry,
    'switchboard_presence_webhook_failures_total',
    'Webhook attempts that failed (retried)',
    () => webhook.stats.failures,
  );
  counterFrom(registry, 'switchboard_presence_webhook_dropped_total', 'Events dropped from a full queue', () => webhook.stats.dropped);
  counterFrom(registry, 'switchboard_presence_webhook_rejected_total', 'Events the webhook refused (4xx)', () => webhook.stats.rejected);
}
