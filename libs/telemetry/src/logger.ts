import { redactUrl } from '@switchboard/config';
import { pino } from 'pino';

export type Logger = pino.Logger;

/** The levels pino accepts as a logger's level. */
const LEVELS: ReadonlySet<string> = new Set([...Object.keys(pino.levels.values), 'silent']);

/** True when `level` is a level `createLogger` accepts. */
export function isLogLevel(level: string): boolean {
  return LEVELS.has(level);
}

/** An error as pino serialises it, with URL passwords and token parameters redacted. */
function redactedError(err: unknown): unknown {
  const serialized = pino.stdSerializers.err(err as Error) as unknown;
  const text = serialized === undefined ? undefined : JSON.stringify(serialized);
  return text === undefined ? serialized : JSON.parse(redactUrl(text));
}

/**
 * JSON logs on stdout, every line carrying the service and node id. Secrets never reach a line:
 * `err` (message, stack, causes) and `url` fields, and the message itself, have URL passwords
 * and `token`-like query parameters redacted (see redactUrl in @switchboard/config).
 */
export function createLogger(options: { service: string; nodeId: string; level?: string }): Logger {
  return pino({
    level: options.level ?? 'info',
    base: { service: options.service, node: options.nodeId },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: redactedError, url: (url: unknown) => redactUrl(String(url)) },
    hooks: {
      logMethod(args, method) {
        const redacted = args.map((arg) => (typeof arg === 'string' ? redactUrl(arg) : arg)) as Parameters<typeof method>;
        method.apply(this, redacted);
      },
    },
  });
}
