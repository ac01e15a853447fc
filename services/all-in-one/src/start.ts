import type { Server } from 'node:http';
import { apiEnv, apiRoutes } from '@switchboard/api';
import { type Bus, MemoryBus } from '@switchboard/bus';
import { parseEnv } from '@switchboard/config';
import { EdgeNode, edgeEnv } from '@switchboard/edge';
import { type HistoryStore, openHistory } from '@switchboard/history';
import { createRoutedServer, listen } from '@switchboard/http';
import { createLogger, createMetricsRegistry, type Logger } from '@switchboard/telemetry';
import { demoRoutes } from './demo-routes.js';
import { localPresenceRoutes } from './local-presence.js';

export const allInOneEnv = { ...apiEnv, ...edgeEnv };

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
  const bus = options.bus ?? new MemoryBus();
  const history = options.history !== undefined ? options.history : await openHistory('memory://', config);
  const edge = new EdgeNode({ config, bus, history, log, metrics: createMetricsRegistry({ service: 'all-in-one', node: config.NODE_ID }) });
  const routers = [
    edge.routes(),
    apiRoutes({ config, publisher: edge.publisher, history, log }),
    localPresenceRoutes(edge),
    await demoRoutes(),
  ];
  const server = createRoutedServer(routers, log);
  edge.attach(server);
  const port = await listen(server, config.PORT, config.HOST);
  const shutdown = async (drain: boolean) => {
    await (drain ? edge.drain() : edge.close());
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (options.bus === undefined) await bus.close();
    if (options.history === undefined) await history?.close();
  };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    edge,
    bus,
    history,
    server,
    log,
    stop: () => shutdown(true),
    close: () => shutdown(false),
  };
}
