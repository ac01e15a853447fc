import type { Bus } from '@switchboard/bus';
import { counterFrom, gaugeFrom, type Registry, stateGaugeFrom } from '@switchboard/telemetry';
import type { ApiStats } from './api-routes.js';

const BUS_STATES = ['connecting', 'up', 'down', 'closed'] as const;

/** Registers the api's metrics (read at scrape time): accepted and refused messages, readiness, bus state. */
export function registerApiMetrics(registry: Registry, stats: ApiStats, bus: Bus): void {
  counterFrom(registry, 'switchboard_api_published_total', 'Messages accepted by the publish API', () => stats.published);
  counterFrom(registry, 'switchboard_api_rejected_total', 'Publish requests refused as invalid (400)', () => stats.rejected);
  gaugeFrom(registry, 'switchboard_ready', 'Whether /readyz answers 200 (1) or 503 (0)', () => (bus.state === 'up' ? 1 : 0));
  stateGaugeFrom(registry, 'switchboard_bus_state', 'State of the message bus (1 = current)', BUS_STATES, () => bus.state);
}
