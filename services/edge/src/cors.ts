import type { IncomingMessage } from 'node:http';
import type { OriginPolicy } from '@switchboard/auth';

/**
 * The CORS headers of an HTTP transport's answer (`/poll`, `/sse`): a page of an allowed origin
 * (ALLOWED_ORIGINS; any when unset) may read it. No credentials are involved (the token is a
 * parameter), so the origin is echoed without `Allow-Credentials`. A refused origin gets none.
 */
export function corsHeaders(req: IncomingMessage, origins: OriginPolicy): Record<string, string> {
  const origin = req.headers.origin;
  if (origin === undefined || !origins.allows(origin)) return {};
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}
