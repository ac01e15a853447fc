import type { Server } from 'node:http';
import type { Bus } from '@switchboard/bus';
import type { Publisher } from '@switchboard/history';
import { createRoutedServer, healthRoutes, listen } from '@switchboard/http';
import type { Logger, Registry } from '@switchboard/telemetry';
import type { PresenceConfig } from './config.js';
import { dashboardRoutes } from './dashboard-routes.js';
import { PresenceService } from './presence-service.js';

export interface PresenceServer {
  port: number;
  url: string;
  service: PresenceService;
  server: Server;
  /** Stops listening and the service (the bus is the caller's). */
  close(): Promise<void>;
}

/** The presence process's HTTP side: health, the API and the dashboard at `/`, on PORT/HOST. */
export async function startPresenceServer(options: {
  config: PresenceConfig;
  bus: Bus;
  publisher: Publisher | null;
  log: Logger;
  metrics: Registry;
}): Promise<PresenceServer> {
  const { config, bus, publisher, log, metrics } = options;
  const service = await PresenceService.start({ bus, publisher, settings: config, replicaId: config.NODE_ID, log, metrics });
  const health = healthRoutes({ ready: () => service.ready(), metrics: () => metrics.metrics() });
  const server = createRoutedServer([health, service.routes(), await dashboardRoutes('/')], log);
  const port = await listen(server, config.PORT, config.HOST);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    service,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.stop();
    },
  };
}
