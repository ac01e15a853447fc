import { historyLimits, openBackend } from '@switchboard/backends';
import { openSettingWarnings } from '@switchboard/config';
import { Publisher, PublishTelemetry } from '@switchboard/history';
import { createRoutedServer, healthRoutes, listen, loadTls } from '@switchboard/http';
import { createLogger, createMetricsRegistry, runService } from '@switchboard/telemetry';
import { registerApiMetrics } from './api-metrics.js';
import { apiRoutes } from './api-routes.js';
import { loadApiConfig } from './config.js';
import { busChannelSource } from './pusher/bus-channel-source.js';
import { pusherRoutes } from './pusher/pusher-routes.js';
import { tracedRouter } from './tracing/traced-router.js';

runService('api', async () => {
  const config = loadApiConfig();
  const log = createLogger({ service: 'api', nodeId: config.NODE_ID, level: config.LOG_LEVEL });
  for (const warning of openSettingWarnings(['API_KEYS'])) log.warn(warning);
  const tls = loadTls(config);
  const { bus, history } = await openBackend(config.BUS_URL, {
    prefix: config.BUS_PREFIX,
    history: historyLimits(config),
    idempotencyTtlMs: config.IDEMPOTENCY_TTL_MS,
    onHandlerError: (err, topic) => log.error({ err, topic }, 'bus handler threw'),
  });
  const metrics = createMetricsRegistry({ service: 'api', node: config.NODE_ID });
  const stats = { published: 0, rejected: 0 };
  registerApiMetrics(metrics, stats, bus);
  const health = healthRoutes({ ready: () => bus.state === 'up', metrics: () => metrics.metrics() });
  const publisher = new Publisher(bus, history, new PublishTelemetry(metrics));
  const routes = [health, tracedRouter(apiRoutes({ config, publisher, history, log }, stats))];
  // Pusher HTTP API (PUSHER_APPS); channel queries ask the presence replicas over the bus.
  if (config.PUSHER_APPS.enabled) routes.push(pusherRoutes({ config, publisher, log, channels: busChannelSource(bus, config.NODE_ID) }));
  const server = createRoutedServer(routes, log, { tls, handshakeTimeoutMs: config.HANDSHAKE_TIMEOUT_MS });
  const port = await listen(server, config.PORT, config.HOST);
  log.info({ port, tls: tls !== null, bus: bus.kind }, 'api listening');
  return {
    async stop() {
      server.close();
      await bus.close();
      await history?.close();
    },
  };
});
