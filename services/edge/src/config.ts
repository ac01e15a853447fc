import { boolVar, commonEnv, intVar, parseEnv } from '@switchboard/config';
import { z } from 'zod';

/** Every variable the edge reads, with its default. docs/operations.md lists them. */
export const edgeEnv = {
  ...commonEnv,
  BUS_URL: z.string().min(1).default('memory://'),
  /** Prefix of every bus subject/channel and history key, so deployments can share a broker. */
  BUS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, "_" or "-", at most 32')
    .default('sb'),
  HISTORY_SIZE: intVar(100, 0, 1_000_000),
  HISTORY_TTL_MS: intVar(300_000, 1),
  /** Largest WebSocket frame (and publish body) accepted; bigger frames close with 1009. */
  MAX_MESSAGE_BYTES: intVar(65_536, 64, 64 * 1024 * 1024),
  MAX_SUBSCRIPTIONS: intVar(128, 1, 100_000),
  /** 0 = no limit. */
  MAX_CONNECTIONS: intVar(0, 0),
  /** Client frames per second per connection (token bucket refill), and the bucket size. */
  MESSAGE_RATE_LIMIT: intVar(100, 1),
  MESSAGE_RATE_BURST: intVar(200, 1),
  /** Bytes queued for one client before it is cut as a slow consumer (4008). */
  MAX_SEND_BUFFER_BYTES: intVar(1_048_576, 1024),
  HEARTBEAT_MS: intVar(25_000, 100, 3_600_000),
  DRAIN_TIMEOUT_MS: intVar(10_000, 0, 600_000),
  /** On drain, how long /readyz reports 503 before clients are asked to reconnect (lets the load balancer notice). */
  DRAIN_NOTICE_MS: intVar(2_000, 0, 600_000),
  /** Whether clients may publish when auth is off (with auth, the token's `publish` claim decides). */
  CLIENT_PUBLISH: boolVar(true),
};

export type EdgeConfig = z.infer<z.ZodObject<typeof edgeEnv>>;

export function loadEdgeConfig(env: NodeJS.ProcessEnv = process.env): EdgeConfig {
  return parseEnv(edgeEnv, env);
}
