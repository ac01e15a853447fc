import type { Bus } from '@switchboard/bus';
import { counterFrom, gaugeFrom, type Registry, stateGaugeFrom } from '@switchboard/telemetry';
import type { EdgeStats } from './edge-stats.js';

const BUS_STATES = ['connecting', 'up', 'down', 'closed'] as const;

/** Registers the edge's metrics; every value is read from EdgeStats at scrape time. */
export function registerEdgeMetrics(registry: Registry, stats: EdgeStats, bus: Bus, topics: () => number): void {
  gaugeFrom(registry, 'switchboard_edge_connections', 'Open client connections', () => stats.connections);
  counterFrom(registry, 'switchboard_edge_connections_total', 'Client connections accepted', () => stats.connectionsTotal);
  gaugeFrom(registry, 'switchboard_edge_subscriptions', 'Client subscriptions held', () => stats.subscriptions);
  gaugeFrom(registry, 'switchboard_edge_bus_topics', 'Topics and patterns this edge holds a bus subscription for', topics);
  counterFrom(registry, 'switchboard_edge_bus_messages_total', 'Messages received from the bus', () => stats.busMessages);
  counterFrom(
    registry,
    'switchboard_bus_handler_errors_total',
    'Exceptions thrown by bus handlers (logged; delivery went on)',
    () => bus.handlerErrors,
  );
  counterFrom(registry, 'switchboard_edge_deliveries_total', 'Message frames written to clients', () => stats.deliveries);
  counterFrom(
    registry,
    'switchboard_edge_duplicates_dropped_total',
    'Bus messages dropped as already delivered',
    () => stats.duplicatesDropped,
  );
  counterFrom(registry, 'switchboard_edge_gap_repairs_total', 'Skipped offsets or outages filled from history', () => stats.gapRepairs);
  counterFrom(registry, 'switchboard_edge_client_publishes_total', 'Messages published by clients', () => stats.published);
  counterFrom(
    registry,
    'switchboard_edge_slow_consumer_closes_total',
    'Clients cut for a full send buffer (4008)',
    () => stats.slowConsumerCloses,
  );
  counterFrom(
    registry,
    'switchboard_edge_rate_limit_closes_total',
    'Clients cut for their message rate (4029)',
    () => stats.rateLimitCloses,
  );
  counterFrom(registry, 'switchboard_edge_heartbeat_closes_total', 'Clients cut for silence (4008)', () => stats.heartbeatCloses);
  counterFrom(registry, 'switchboard_edge_protocol_errors_total', 'Clients cut for protocol errors (4400)', () => stats.protocolErrors);
  counterFrom(registry, 'switchboard_edge_auth_closes_total', 'Clients cut by authentication (4001, 4003)', () => stats.authCloses);
  counterFrom(registry, 'switchboard_edge_forbidden_total', 'Subscribes and publishes refused as forbidden', () => stats.forbidden);
  counterFrom(registry, 'switchboard_edge_origin_refused_total', 'Upgrades refused for their Origin (403)', () => stats.originRefused);
  counterFrom(
    registry,
    'switchboard_edge_connect_rate_limited_total',
    'Upgrades refused by the per-address connection rate (429)',
    () => stats.connectRateLimited,
  );
  stats.delivery.register(registry, bus.kind);
  stateGaugeFrom(registry, 'switchboard_bus_state', 'State of the message bus (1 = current)', BUS_STATES, () => bus.state);
}
