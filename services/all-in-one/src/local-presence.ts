import type { EdgeNode } from '@switchboard/edge';
import { decodePathSegment, Router, sendError, sendJson } from '@switchboard/http';
import { ErrorCode, isValidPattern } from '@switchboard/protocol';

/**
 * The contract's presence API answered from the one in-process edge (all-in-one): the same
 * shapes the presence service serves for a cluster.
 */
export function localPresenceRoutes(edge: EdgeNode): Router {
  return new Router()
    .on('GET', /^\/v1\/presence$/, (_req, res) => {
      const { connections, subscriptions } = edge.stats;
      sendJson(res, 200, {
        connections,
        subscriptions,
        nodes: [{ id: edge.nodeId, connections, subscriptions, lastSeen: new Date().toISOString() }],
      });
    })
    .on('GET', /^\/v1\/presence\/topics\/([^/]+)$/, (_req, res, [raw]) => {
      const topic = decodePathSegment(raw ?? '');
      if (topic === null || !isValidPattern(topic)) return sendError(res, 400, ErrorCode.BadTopic, 'invalid topic');
      const subscribers = edge.registry.subscribersOf(topic);
      const users = new Set<string>();
      for (const sub of subscribers) if (sub.session.user !== null) users.add(sub.session.user);
      sendJson(res, 200, { topic, subscribers: subscribers.size, users: [...users] });
    });
}
