import type { Bus } from '@switchboard/bus';
import type { Publisher } from '@switchboard/history';
import type { Logger } from '@switchboard/telemetry';
import type { EdgeConfig } from '../config.js';
import type { SubscriptionRegistry } from '../delivery/subscription-registry.js';
import type { EdgeStats } from '../metrics/edge-stats.js';
import type { Session } from '../session/session.js';
import type { Transport } from '../transport/transport.js';

/**
 * What the Pusher endpoint uses of its edge node: the same sessions, registry (interest
 * counting, fan-out), publisher, limits and stats as native clients, so heartbeat, drain,
 * slow-consumer cuts and presence reports cover Pusher connections too.
 */
export interface PusherHost {
  readonly config: EdgeConfig;
  readonly bus: Bus;
  readonly registry: SubscriptionRegistry;
  readonly publisher: Publisher;
  readonly stats: EdgeStats;
  readonly sessions: ReadonlySet<Session>;
  readonly log: Logger;
  /** A new counted session over `transport`. */
  openSession(transport: Transport): Session;
  /** Welcomes the session (its transport turns `welcome` into `pusher:connection_established`). */
  welcome(session: Session): void;
  /** Forgets a closed session and drops its subscriptions. */
  closeSession(session: Session): void;
}
