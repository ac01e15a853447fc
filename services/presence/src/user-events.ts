import type { Publisher } from '@switchboard/history';
import { userEventRequest } from './user-event-webhook.js';
import { PRESENCE_USERS_TOPIC, type UserEvent, type UserTransition, userEventOf } from './user-transition.js';
import type { WebhookSender } from './webhook-sender.js';

export interface UserEventStats {
  online: number;
  offline: number;
  /** Events that could not be published on `$presence.users` (bus down). */
  publishFailures: number;
}

/** Where a replica's user transitions go: the webhook queue and the `$presence.users` topic. */
export class UserEvents {
  readonly stats: UserEventStats = { online: 0, offline: 0, publishFailures: 0 };
  /** The latest events (newest last), for the dashboard. */
  readonly recent: UserEvent[] = [];

  constructor(
    private readonly webhook: WebhookSender | null,
    /** Signs the webhook requests (PRESENCE_WEBHOOK_SECRET); null = unsigned. */
    private readonly secret: string | null,
    private readonly publisher: Publisher | null,
    private readonly log: { warn(obj: object, msg: string): void },
  ) {}

  emit(transition: UserTransition): void {
    const event = userEventOf(transition);
    this.stats[event.event]++;
    this.recent.push(event);
    if (this.recent.length > 50) this.recent.shift();
    this.webhook?.enqueue(userEventRequest(event, this.secret));
    this.publisher?.publish(PRESENCE_USERS_TOPIC, JSON.stringify(event)).catch((err: unknown) => {
      this.stats.publishFailures++;
      this.log.warn({ err, event: event.id }, `presence event not published on ${PRESENCE_USERS_TOPIC}`);
    });
  }
}
