import type { IncomingMessage } from 'node:http';
import type { OriginPolicy } from '@switchboard/auth';

/**
 * The CORS headers of an HTTP transport's answer (`/poll`, `/sse`): a page of an allowed origin
 * (ALLOWED_ORIGINS; any when unset) may read it. No credentials are involved (the token is a
 * parameter), so `/poll` echoes the origin without `Allow-Credentials`; `/sse` passes
 * `credentials` because its sticky cookie (`sb_node`) must reach the same edge on a retry
 * (`EventSource` with `withCredentials`). A refused origin gets none.
 */
export function corsHeaders(req: IncomingMessage, origins: OriginPolicy, credentials = false): Record<string, string> {
  const origin = req.headers.origin;
  if (origin === undefined || !origins.allows(origin)) return {};
  const headers: Record<string, string> = { 'access-control-allow-origin': origin, vary: 'Origin' };
  if (credentials) headers['access-control-allow-credentials'] = 'true';
  return headers;
}
