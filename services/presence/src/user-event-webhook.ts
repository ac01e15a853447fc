import { createHmac } from 'node:crypto';
import type { UserEvent } from './user-transition.js';
import type { WebhookRequest } from './webhook-sender.js';

export const SIGNATURE_HEADER = 'x-switchboard-signature';
export const EVENT_ID_HEADER = 'x-switchboard-event-id';

/** `sha256=<hex HMAC-SHA256 of the body>`, the value of X-Switchboard-Signature. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The native webhook request of a user event: its JSON, its id header, signed when `secret` is set. */
export function userEventRequest(event: UserEvent, secret: string | null): WebhookRequest {
  const body = JSON.stringify(event);
  const headers: Record<string, string> = { [EVENT_ID_HEADER]: event.id };
  if (secret !== null) headers[SIGNATURE_HEADER] = signBody(secret, body);
  return { id: event.id, body, headers };
}
