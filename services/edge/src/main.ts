import { historyLimits, openBackend } from '@switchboard/backends';
import { openSettingWarnings } from '@switchboard/config';
import { createRoutedServer, listen, loadTls } from '@switchboard/http';
import { createLogger, createMetricsRegistry, runService } from '@switchboard/telemetry';
import { loadEdgeConfig } from './config.js';
import { EdgeNode } from './edge-node.js';
import { startPresenceReporter } from './presence/presence-reporter.js';
import { edgePresenceSource } from './presence/presence-source.js';

runService('edge', async () => {
  const config = loadEdgeConfig();
  const log = createLogger({ service: 'edge', nodeId: config.NODE_ID, level: config.LOG_LEVEL });
  for (const warning of openSettingWarnings(['AUTH_JWT_SECRET', 'ALLOWED_ORIGINS'])) log.warn(warning);
  const tls = loadTls(config);
  const { bus, history } = await openBackend(config.BUS_URL, {
    prefix: config.BUS_PREFIX,
    history: historyLimits(config),
    idempotencyTtlMs: config.IDEMPOTENCY_TTL_MS,
    onHandlerError: (err, topic) => log.error({ err, topic }, 'bus handler threw'),
  });
  const edge = new EdgeNode({ config, bus, history, log, metrics: createMetricsRegistry({ service: 'edge', node: config.NODE_ID }) });
  const server = createRoutedServer([edge.routes()], log, { tls, handshakeTimeoutMs: config.HANDSHAKE_TIMEOUT_MS });
  edge.attach(server);
  const presence = startPresenceReporter(edgePresenceSource(edge), bus, config, log);
  const port = await listen(server, config.PORT, config.HOST);
  log.info({ port, tls: tls !== null, bus: bus.kind, history: history?.kind ?? 'off' }, 'edge listening');
  return {
    async stop() {
      await edge.drain();
      await presence.stop();
      server.close();
      await bus.close();
      await history?.close();
    },
  };
});
