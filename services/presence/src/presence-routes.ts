import { decodePathSegment, Router, sendError, sendJson } from '@switchboard/http';
import { ErrorCode, isClientReadableReservedTopic, isValidPattern } from '@switchboard/protocol';
import type { PresenceAggregator } from './aggregator.js';

const MAX_TOP = 1000;

/**
 * The presence API: `GET /v1/presence`, `GET /v1/presence/topics?top=N`,
 * `GET /v1/presence/topics/{topic}` and `GET /v1/presence/users/{user}`.
 */
export function presenceRoutes(aggregator: PresenceAggregator): Router {
  return new Router()
    .on('GET', /^\/v1\/presence$/, (_req, res) => sendJson(res, 200, aggregator.summary()))
    .on('GET', /^\/v1\/presence\/topics$/, (_req, res, _params, url) => {
      const raw = url.searchParams.get('top') ?? '10';
      const top = Number(raw);
      if (!/^\d+$/.test(raw) || top < 1 || top > MAX_TOP) {
        return sendError(res, 400, ErrorCode.BadRequest, `"top" must be an integer from 1 to ${MAX_TOP}`);
      }
      sendJson(res, 200, aggregator.top(top));
    })
    .on('GET', /^\/v1\/presence\/topics\/([^/]+)$/, (_req, res, [raw]) => {
      const topic = decodePathSegment(raw ?? '');
      if (topic === null || !(isValidPattern(topic) || isClientReadableReservedTopic(topic))) {
        return sendError(res, 400, ErrorCode.BadTopic, 'invalid topic');
      }
      sendJson(res, 200, aggregator.topic(topic));
    })
    .on('GET', /^\/v1\/presence\/users\/([^/]+)$/, (_req, res, [raw]) => {
      const user = decodePathSegment(raw ?? '');
      if (user === null || user.length === 0 || user.length > 1024) return sendError(res, 400, ErrorCode.BadRequest, 'invalid user');
      const { user: id, online, topics } = aggregator.user(user);
      sendJson(res, 200, { user: id, online, topics });
    });
}
