import type { Server } from 'node:http';
import { apiEnv, apiRoutes, pusherRoutes, tracedRouter } from '@switchboard/api';
import { historyLimits, openBackend } from '@switchboard/backends';
import type { Bus } from '@switchboard/bus';
import { parseEnv } from '@switchboard/config';
import { EdgeNode, edgeEnv, edgePresenceSource, type PresenceReporter, startPresenceReporter } from '@switchboard/edge';
import type { HistoryStore } from '@switchboard/history';
import { createRoutedServer, listen, loadTls } from '@switchboard/http';
import { dashboardRoutes, PresenceService, presenceSettingsEnv, pusherChannelSource } from '@switchboard/presence';
import { createLogger, createMetricsRegistry, type Logger } from '@switchboard/telemetry';
import { demoRoutes } from './demo-routes.js';

export const allInOneEnv = { ...presenceSettingsEnv, ...apiEnv, ...edgeEnv };

export interface AllInOneOptions {
  env?: NodeJS.ProcessEnv;
  /** Defaults to a new in-memory bus; pass one to share it across restarts in tests. */
  bus?: Bus;
  /** Defaults to memory history per HISTORY_SIZE; pass one (or null) to share it. */
  history?: HistoryStore | null;
  log?: Logger;
}

export interface AllInOne {
  port: number;
  url: string;
  edge: EdgeNode;
  /** The presence aggregator (API at `/v1/presence…`, dashboard at `/presence/`), fed by `reporter` over the bus. */
  presence: PresenceService;
  reporter: PresenceReporter;
  bus: Bus;
  history: HistoryStore | null;
  server: Server;
  log: Logger;
  /** Drains the edge (reconnect frames, then 1001) and closes what this call opened. */
  stop(): Promise<void>;
  /** Closes at once: every client gets 1001. */
  close(): Promise<void>;
}

/** Starts edge + publish API + presence + demo page on one port, on an in-memory bus. */
export async function startAllInOne(options: AllInOneOptions = {}): Promise<AllInOne> {
  const config = parseEnv(allInOneEnv, options.env ?? process.env);
  const log = options.log ?? createLogger({ service: 'all-in-one', nodeId: config.NODE_ID, level: config.LOG_LEVEL });
  const tls = loadTls(config);
  const backend = await openBackend('memory://', {
    history: options.history === undefined ? historyLimits(config) : null,
    onHandlerError: (err, topic) => log.error({ err, topic }, 'bus handler threw'),
  });
  const bus = options.bus ?? backend.bus;
  const history = options.history !== undefined ? options.history : backend.history;
  const metrics = createMetricsRegistry({ service: 'all-in-one', node: config.NODE_ID });
  const edge = new EdgeNode({ config, bus, history, log, metrics });
  // Presence takes the cluster's path on the in-process bus: the edge's reporter -> the aggregator.
  const presence = await PresenceService.start({
    bus,
    publisher: edge.publisher,
    settings: config,
    replicaId: config.NODE_ID,
    log,
    metrics,
  });
  const reporter = startPresenceReporter(edgePresenceSource(edge), bus, config, log);
  const routers = [
    edge.routes(),
    tracedRouter(apiRoutes({ config, publisher: edge.publisher, history, log })),
    presence.routes(),
    await dashboardRoutes('/presence/'),
    await demoRoutes(),
  ];
  if (config.PUSHER_APPS.enabled)
    routers.push(pusherRoutes({ config, publisher: edge.publisher, log, channels: pusherChannelSource(presence.aggregator) }));
  const server = createRoutedServer(routers, log, { tls, handshakeTimeoutMs: config.HANDSHAKE_TIMEOUT_MS });
  edge.attach(server);
  const port = await listen(server, config.PORT, config.HOST);
  const shutdown = async (drain: boolean) => {
    await (drain ? edge.drain() : edge.close());
    await reporter.stop();
    await presence.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await backend.close();
  };
  return {
    port,
    url: `${tls === null ? 'http' : 'https'}://127.0.0.1:${port}`,
    edge,
    presence,
    reporter,
    bus,
    history,
    server,
    log,
    stop: () => shutdown(true),
    close: () => shutdown(false),
  };
}
