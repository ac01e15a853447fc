import { busEnv, commonEnv, intVar, listVar, parseEnv } from '@switchboard/config';
import { pusherEnv } from '@switchboard/pusher-protocol';
import type { z } from 'zod';

export const apiEnv = {
  ...commonEnv,
  ...busEnv,
  PORT: intVar(8081, 0, 65535),
  /** Comma-separated keys; several at once allow rotation. Unset = open API (a warning). */
  API_KEYS: listVar(),
  /** Largest body of `POST /v1/publish`, and largest `data` of one batch message. */
  MAX_MESSAGE_BYTES: intVar(65_536, 64, 64 * 1024 * 1024),
  /** Largest body of `POST /v1/publish/batch`. */
  MAX_BATCH_BYTES: intVar(1_048_576, 64, 256 * 1024 * 1024),
  MAX_BATCH_MESSAGES: intVar(1000, 1, 100_000),
  /** Messages per second per API key (per client address when the API is open); burst is 2×. */
  API_RATE_LIMIT: intVar(10_000, 1),
  /** Pusher apps whose HTTP API (`/apps/{id}/…`) this service serves (see docs/pusher.md); unset = none. */
  ...pusherEnv,
};

export type ApiConfig = z.infer<z.ZodObject<typeof apiEnv>>;

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return parseEnv(apiEnv, env);
}
