import { createLogger, type Logger } from './logger.js';
import { startTracing, type TracingHandle } from './tracing/start-tracing.js';

export interface RunningService {
  /** Graceful stop (drain for an edge); the process exits 0 after it resolves. */
  stop(): Promise<void>;
}

/**
 * The life of a service process: start it, log JSON, stop gracefully on SIGTERM/SIGINT and exit
 * 0. Tracing starts first when the OTEL_* variables ask for it (see startTracing), and its last
 * spans are flushed after the stop. A start-up failure (bad config, unreachable broker) is one fatal log line naming the cause,
 * then exit code 1.
 */
export function runService(service: string, start: (log: Logger) => Promise<RunningService>): void {
  const log = createLogger({ service, nodeId: process.env.NODE_ID ?? '-', level: process.env.LOG_LEVEL ?? 'info' });
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  let tracing: TracingHandle | null = null;
  startTracing(service)
    .then((handle) => {
      tracing = handle;
      if (handle !== null) log.info({ protocol: handle.protocol }, 'tracing on (OTEL_EXPORTER_OTLP_ENDPOINT)');
      return start(log);
    })
    .then(
      (running) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          log.info({ signal }, 'stopping');
          running
            .stop()
            .then(() => tracing?.shutdown())
            .then(
              () => process.exit(0),
              (err: unknown) => {
                log.error({ err }, 'stop failed');
                process.exit(1);
              },
            );
        };
        process.on('SIGTERM', () => stop('SIGTERM'));
        process.on('SIGINT', () => stop('SIGINT'));
      },
      (err: unknown) => {
        log.fatal(
          { err: err instanceof Error && err.name === 'ConfigError' ? undefined : err },
          err instanceof Error ? err.message : String(err),
        );
        process.exit(1);
      },
    );
}
