import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import { redactUrl, shownValue } from './redact.js';

/** A bad environment variable: the message names it, so start-up can fail with one line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** An integer variable with a default and bounds (`MAX_MESSAGE_BYTES=65536`). */
export const intVar = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** A comma-separated list; empty entries are dropped; unset means an empty list. */
export const listVar = () =>
  z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    );

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** A byte count: an integer, optionally with a unit (`64MiB`, `500MB`, `1GiB`, `4096`). */
export const bytesVar = (fallback: number, min = 0) =>
  z
    .string()
    .default(String(fallback))
    .transform((v, ctx) => {
      const match = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(v);
      const unit = BYTE_UNITS[(match?.[2] ?? '').toLowerCase()];
      const bytes = match === null || unit === undefined ? Number.NaN : Number(match[1]) * unit;
      if (!Number.isSafeInteger(bytes) || bytes < min) {
        ctx.addIssue({ code: 'custom', message: `a byte count of at least ${min} (an integer, or with KiB/MiB/GiB/KB/MB/GB)` });
        return z.NEVER;
      }
      return bytes;
    });

export const boolVar = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** The levels LOG_LEVEL accepts (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Variables every service reads. */
export const commonEnv = {
  PORT: intVar(8080, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "." or "-", at most 64')
    .default(
      () =>
        `${hostname()
          .replace(/[^A-Za-z0-9_.-]/g, '-')
          .slice(0, 48)}-${randomBytes(3).toString('hex')}`,
    ),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** PEM certificate (chain) and private key: set both to serve https:// and wss:// (see loadTls in @switchboard/http). */
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  /** A connection must complete its HTTP request headers (and its TLS handshake) within this time (slowloris). */
  HANDSHAKE_TIMEOUT_MS: intVar(5000, 100, 600_000),
};

/**
 * Validates `env` against `shape`. Unset and empty variables take their defaults. Throws a
 * ConfigError whose message names the first bad variable and what was wrong with it.
 */
export function parseEnv<S extends z.ZodRawShape>(shape: S, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<S>> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    // The value is shown to help, except a secret's (never) and a URL's password (redacted).
    const shown = input[name] === undefined ? '' : shownValue(name, input[name]);
    throw new ConfigError(`invalid ${name}${shown}: ${redactUrl(issue?.message ?? 'invalid value')}`);
  }
  return result.data;
}

/** The bus and its history, read alike by every service that touches the bus. */
export const busEnv = {
  /** `memory://` | `nats://h:4222[,…]` | `redis://h:6379` | `redis-cluster://h:p[,…]`. */
  BUS_URL: z.string().min(1).default('memory://'),
  /** Prefix of every bus subject/channel and history key, so deployments can share a broker. */
  BUS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, "_" or "-", at most 32')
    .default('sb'),
  /** Messages kept per topic; 0 turns history (and recovery) off. */
  HISTORY_SIZE: intVar(100, 0, 1_000_000),
  HISTORY_TTL_MS: intVar(300_000, 1),
  /**
   * Servers that hold each history message before a publish is acknowledged: NATS, the
   * replicas of the JetStream stream (set when it is created; 3 for a 3-server cluster);
   * Redis, the master plus HISTORY_REPLICAS − 1 replicas confirmed with WAIT.
   */
  HISTORY_REPLICAS: intVar(1, 1, 5),
  /**
   * How long an idempotency key of the publish API (`Idempotency-Key`, batch `id`) is remembered
   * per topic; 0 turns idempotency off. On NATS it is the history stream's duplicate window, so
   * every service that opens the history reads it.
   */
  IDEMPOTENCY_TTL_MS: intVar(300_000, 0, 86_400_000),
  /** Bound on the bytes history holds over all topics (`268435456`, `256MiB`, `64MB`); see docs/operations.md. */
  HISTORY_MAX_BYTES: bytesVar(256 * 1024 * 1024, 1024),
};
