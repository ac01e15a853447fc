import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiKeys, decodePathSegment, Router, sendError, sendJson } from '@switchboard/http';
import { ErrorCode, isClientReadableReservedTopic, isValidPattern } from '@switchboard/protocol';
import type { PresenceAggregator } from './aggregator.js';

const MAX_TOP = 1000;

/** Who may read what (see docs/presence.md#access). */
export interface PresenceAccess {
  /** API_KEYS: when any is set, user ids and per-topic users need one. Empty = the API is open. */
  apiKeys: readonly string[];
  /** PRESENCE_PUBLIC_COUNTS: with API_KEYS set, the aggregate counts stay readable without a key. */
  publicCounts: boolean;
}

/**
 * The presence API: `GET /v1/presence`, `GET /v1/presence/topics?top=N`,
 * `GET /v1/presence/topics/{topic}` and `GET /v1/presence/users/{user}`. With API keys set,
 * personal data (a user's topics, a topic's users) needs `Authorization: Bearer <key>`, and so
 * do the aggregate counts unless `publicCounts`; a request without a valid key gets 401.
 */
export function presenceRoutes(aggregator: PresenceAggregator, access: PresenceAccess = { apiKeys: [], publicCounts: false }): Router {
  const keys = new ApiKeys(access.apiKeys);
  /** Answers 401 and returns false unless the request may read personal data. */
  const personal = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (keys.accepts(ApiKeys.presented(req))) return true;
    sendError(res, 401, ErrorCode.Unauthorized, 'presence data needs an API key (Authorization: Bearer <key>)');
    return false;
  };
  const counts = (req: IncomingMessage, res: ServerResponse): boolean => access.publicCounts || personal(req, res);
  return new Router()
    .on('GET', /^\/v1\/presence$/, (req, res) => {
      if (counts(req, res)) sendJson(res, 200, aggregator.summary());
    })
    .on('GET', /^\/v1\/presence\/topics$/, (req, res, _params, url) => {
      if (!counts(req, res)) return;
      const raw = url.searchParams.get('top') ?? '10';
      const top = Number(raw);
      if (!/^\d+$/.test(raw) || top < 1 || top > MAX_TOP) {
        return sendError(res, 400, ErrorCode.BadRequest, `"top" must be an integer from 1 to ${MAX_TOP}`);
      }
      sendJson(res, 200, aggregator.top(top));
    })
    .on('GET', /^\/v1\/presence\/topics\/([^/]+)$/, (req, res, [raw]) => {
      if (!personal(req, res)) return;
      const topic = decodePathSegment(raw ?? '');
      if (topic === null || !(isValidPattern(topic) || isClientReadableReservedTopic(topic))) {
        return sendError(res, 400, ErrorCode.BadTopic, 'invalid topic');
      }
      sendJson(res, 200, aggregator.topic(topic));
    })
    .on('GET', /^\/v1\/presence\/users\/([^/]+)$/, (req, res, [raw]) => {
      if (!personal(req, res)) return;
      const user = decodePathSegment(raw ?? '');
      if (user === null || user.length === 0 || user.length > 1024) return sendError(res, 400, ErrorCode.BadRequest, 'invalid user');
      const { user: id, online, topics } = aggregator.user(user);
      sendJson(res, 200, { user: id, online, topics });
    });
}
