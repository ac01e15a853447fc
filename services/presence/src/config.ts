import { boolVar, busEnv, commonEnv, intVar, listVar, parseEnv } from '@switchboard/config';
import { pusherEnv } from '@switchboard/pusher-protocol';
import { z } from 'zod';

/** The presence settings (also read by the all-in-one, which runs the same aggregator). */
export const presenceSettingsEnv = {
  /** Must match the edges' PRESENCE_INTERVAL_MS: the start-up warm-up and sync pacing use it (expiry uses each edge's own). */
  PRESENCE_INTERVAL_MS: intVar(2_000, 50, 600_000),
  /** Where online/offline events are POSTed; unset = no webhook. */
  PRESENCE_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** HMAC-SHA256 key of `X-Switchboard-Signature`; unset = unsigned (a warning at start). */
  PRESENCE_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** Events waiting for delivery; past this the oldest is dropped (and counted). */
  PRESENCE_WEBHOOK_QUEUE: intVar(10_000, 1, 10_000_000),
  PRESENCE_WEBHOOK_TIMEOUT_MS: intVar(5_000, 100, 120_000),
  /** Retries back off exponentially from 250 ms up to this. */
  PRESENCE_WEBHOOK_MAX_BACKOFF_MS: intVar(30_000, 100, 3_600_000),
  /** Also publish each event on the topic `$presence.users`. */
  PRESENCE_USERS_TOPIC: boolVar(true),
  /** API keys (comma-separated, as the api's): when set, user ids and per-topic users need one (401 without). */
  API_KEYS: listVar(),
  /** With API_KEYS set: the aggregate counts (`/v1/presence`, `/v1/presence/topics?top=`) stay readable without a key. */
  PRESENCE_PUBLIC_COUNTS: boolVar(false),
  /** Pusher apps: presence member events and Pusher webhooks for their channels (see docs/pusher.md). */
  ...pusherEnv,
};

export const presenceEnv = {
  ...commonEnv,
  ...busEnv,
  PORT: intVar(8082, 0, 65535),
  ...presenceSettingsEnv,
};

export type PresenceSettings = z.infer<z.ZodObject<typeof presenceSettingsEnv>>;
export type PresenceConfig = z.infer<z.ZodObject<typeof presenceEnv>>;

export function loadPresenceConfig(env: NodeJS.ProcessEnv = process.env): PresenceConfig {
  return parseEnv(presenceEnv, env);
}
