import type { PresenceSource } from '@switchboard/presence-report';
import type { EdgeNode } from '../edge-node.js';

/** The edge's state as its presence reporter reads it (see PresenceReporter). */
export function edgePresenceSource(edge: EdgeNode): PresenceSource {
  return {
    nodeId: edge.nodeId,
    totals: () => ({ conns: edge.stats.connections, subs: edge.stats.subscriptions, deliveries: edge.stats.deliveries }),
    // Pusher presence channels report their members as users (see pusher/pusher-presence.ts).
    topics: () => edge.pusher?.presence.reportTopics(edge.registry.entries()) ?? edge.registry.entries(),
    connectionUsers: function* () {
      for (const session of edge.sessions) yield session.user;
    },
  };
}
