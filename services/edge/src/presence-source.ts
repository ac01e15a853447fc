import type { PresenceSource } from '@switchboard/presence-report';
import type { EdgeNode } from './edge-node.js';

/** The edge's state as its presence reporter reads it (see PresenceReporter). */
export function edgePresenceSource(edge: EdgeNode): PresenceSource {
  return {
    nodeId: edge.nodeId,
    totals: () => ({ conns: edge.stats.connections, subs: edge.stats.subscriptions, deliveries: edge.stats.deliveries }),
    topics: () => edge.registry.entries(),
    connectionUsers: function* () {
      for (const session of edge.sessions) yield session.user;
    },
  };
}
