import { authEnv } from '@switchboard/auth';
import { boolVar, busEnv, commonEnv, intVar, listVar, parseEnv } from '@switchboard/config';
import { pusherEnv } from '@switchboard/pusher-protocol';
import type { z } from 'zod';

/** Every variable the edge reads, with its default. docs/operations.md lists them. */
export const edgeEnv = {
  ...commonEnv,
  ...busEnv,
  /** Largest WebSocket frame (and publish body) accepted; bigger frames close with 1009. */
  MAX_MESSAGE_BYTES: intVar(65_536, 64, 64 * 1024 * 1024),
  MAX_SUBSCRIPTIONS: intVar(128, 1, 100_000),
  /** Wildcard subscriptions per connection (within MAX_SUBSCRIPTIONS). */
  MAX_PATTERNS_PER_CONNECTION: intVar(128, 0, 100_000),
  /** Distinct wildcard patterns this edge holds (one bus subscription each; on Redis one PSUBSCRIBE each). */
  MAX_PATTERNS_PER_EDGE: intVar(50_000, 0, 10_000_000),
  /** 0 = no limit. */
  MAX_CONNECTIONS: intVar(0, 0),
  /** Client frames per second per connection (token bucket refill), and the bucket size. */
  MESSAGE_RATE_LIMIT: intVar(100, 1),
  MESSAGE_RATE_BURST: intVar(200, 1),
  /** Bytes queued for one client before it is cut as a slow consumer (4008). */
  MAX_SEND_BUFFER_BYTES: intVar(1_048_576, 1024),
  /** A replay (subscribe with `since`) whose socket takes nothing for this long is cut as a slow consumer (4008). */
  SEND_STALL_TIMEOUT_MS: intVar(5_000, 100, 600_000),
  /** Subscribes with history (tip read, or a replay) running at once per connection; more wait their turn. */
  MAX_CONCURRENT_CATCHUPS: intVar(4, 1, 1000),
  HEARTBEAT_MS: intVar(25_000, 100, 3_600_000),
  DRAIN_TIMEOUT_MS: intVar(10_000, 0, 600_000),
  /** On drain, how long /readyz reports 503 before clients are asked to reconnect (lets the load balancer notice). */
  DRAIN_NOTICE_MS: intVar(2_000, 0, 600_000),
  /** Whether clients may publish when auth is off (with auth, the token's `publish` claim decides). */
  CLIENT_PUBLISH: boolVar(true),
  /** Token settings (AUTH_JWT_SECRET | AUTH_PUBLIC_KEY_FILE | AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE, AUTH_EXPIRY_GRACE_MS). */
  ...authEnv,
  /** With auth on: a client must send a valid `connect` this soon after opening, else close 4001. */
  AUTH_TIMEOUT_MS: intVar(10_000, 100, 600_000),
  /** Origins (comma-separated) whose pages may open WebSockets; unset = any. Refused upgrades get 403. */
  ALLOWED_ORIGINS: listVar(),
  /** Refuse (403) upgrades that carry no Origin header (non-browser clients). */
  REQUIRE_ORIGIN: boolVar(false),
  /** New WebSocket connections per second per client address (token bucket, 429 past it); 0 = no limit. */
  CONNECT_RATE_LIMIT: intVar(0, 0, 1_000_000),
  CONNECT_RATE_BURST: intVar(20, 1, 1_000_000),
  /** Longest a `GET /poll` may wait for a new message (its `wait` parameter is capped to this; default wait 25 s). */
  POLL_MAX_WAIT_MS: intVar(60_000, 0, 600_000),
  /** Polls waiting at once on this edge (503 past it), and per client address (429 past it). */
  POLL_MAX_WAITING: intVar(10_000, 1, 1_000_000),
  POLL_MAX_WAITING_PER_IP: intVar(100, 1, 1_000_000),
  /** Presence report interval; the presence service expires a node after 3 of them. */
  PRESENCE_INTERVAL_MS: intVar(2_000, 50, 600_000),
  /** A full presence report every this many intervals (besides those replicas ask for); 0 = only when asked. */
  PRESENCE_FULL_EVERY: intVar(30, 0, 1_000_000),
  /** Pusher apps served on `/app/{key}` (see docs/pusher.md); unset = no Pusher endpoint. */
  ...pusherEnv,
};

export type EdgeConfig = z.infer<z.ZodObject<typeof edgeEnv>>;

export function loadEdgeConfig(env: NodeJS.ProcessEnv = process.env): EdgeConfig {
  return parseEnv(edgeEnv, env);
}
