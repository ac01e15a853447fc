import { pino } from 'pino';

export type Logger = pino.Logger;

/** JSON logs on stdout, every line carrying the service and node id. */
export function createLogger(options: { service: string; nodeId: string; level?: string }): Logger {
  return pino({
    level: options.level ?? 'info',
    base: { service: options.service, node: options.nodeId },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
