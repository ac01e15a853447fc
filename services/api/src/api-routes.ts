import type { IncomingMessage, ServerResponse } from 'node:http';
import { type HistoryStore, IdempotencyConflictError, idempotencyKey, type Publisher, type PublishResult } from '@switchboard/history';
import {
  ApiKeys,
  BodyTooLargeError,
  decodePathSegment,
  RateLimits,
  Router,
  readBody,
  refuseBody,
  sendError,
  sendJson,
  sendText,
} from '@switchboard/http';
import { dataFields, ErrorCode, isValidTopic } from '@switchboard/protocol';
import { captureTraceContext, type Logger } from '@switchboard/telemetry';

import type { ApiConfig } from './config.js';
import { type Parsed, type PublishRequest, parseBatchBody, parseBytesPublish, parsePublishBody } from './publish-request.js';

export interface ApiDeps {
  config: Pick<
    ApiConfig,
    'API_KEYS' | 'MAX_MESSAGE_BYTES' | 'MAX_BATCH_BYTES' | 'MAX_BATCH_MESSAGES' | 'API_RATE_LIMIT' | 'HISTORY_SIZE' | 'IDEMPOTENCY_TTL_MS'
  >;
  publisher: Publisher;
  history: HistoryStore | null;
  log: Logger;
}

export interface ApiStats {
  published: number;
  rejected: number;
}

const MAX_HISTORY_PAGE = 1000;

/** `Content-Type: application/octet-stream` (parameters ignored): the body is the message's bytes. */
function sendsBytes(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  return type !== undefined && type.split(';', 1)[0]?.trim().toLowerCase() === 'application/octet-stream';
}

/** The backend publish API: `POST /v1/publish`, `POST /v1/publish/batch`, `GET /v1/topics/{topic}/history`. */
export function apiRoutes({ config, publisher, history, log }: ApiDeps, stats: ApiStats = { published: 0, rejected: 0 }): Router {
  const keys = new ApiKeys(config.API_KEYS);
  // The burst holds at least one full batch, so a batch of MAX_BATCH_MESSAGES can always pass.
  const limits = new RateLimits(config.API_RATE_LIMIT, Math.max(2 * config.API_RATE_LIMIT, config.MAX_BATCH_MESSAGES));

  /** Answers 401 and returns null unless the request carries a valid key (or the API is open). */
  const authorize = (req: IncomingMessage, res: ServerResponse): string | null => {
    const key = ApiKeys.presented(req);
    if (keys.accepts(key)) return keys.open ? `ip:${req.socket.remoteAddress}` : `key:${key}`;
    refuseBody(req, res, 401, ErrorCode.Unauthorized, 'missing or unknown API key (Authorization: Bearer <key>)');
    return null;
  };

  /** Answers 429 and returns false when `caller` is over its rate. */
  const withinRate = (caller: string, res: ServerResponse, cost: number): boolean => {
    if (limits.take(caller, cost)) return true;
    sendError(res, 429, ErrorCode.RateLimited, `over ${config.API_RATE_LIMIT} messages per second`);
    return false;
  };

  /** Reads and validates a body; answers 413 or 400 and returns null when it is refused. */
  const body = async <T>(req: IncomingMessage, res: ServerResponse, limit: number, parse: (b: Buffer) => Parsed<T>): Promise<T | null> => {
    let raw: Buffer;
    try {
      raw = await readBody(req, limit);
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      refuseBody(req, res, 413, ErrorCode.TooLarge, err.message);
      return null;
    }
    const parsed = parse(raw);
    if (!parsed.ok) {
      stats.rejected++;
      sendError(res, parsed.error.status, parsed.error.code, parsed.error.message);
      return null;
    }
    return parsed.value;
  };

  const unavailable = (res: ServerResponse, err: unknown, extra: object = {}) => {
    if (err instanceof IdempotencyConflictError) {
      return sendJson(res, 409, { error: { code: ErrorCode.IdempotencyConflict, message: err.message }, ...extra });
    }
    log.warn({ err }, 'publish not accepted');
    sendJson(res, 503, {
      error: { code: ErrorCode.Unavailable, message: 'the message bus is unavailable; the message was not accepted' },
      ...extra,
    });
  };

  /** Publishes one message, with its idempotency key when it has one and idempotency is on. */
  const publish = (message: PublishRequest) => {
    const ttl = config.IDEMPOTENCY_TTL_MS;
    const key = message.id === undefined || ttl === 0 ? undefined : idempotencyKey(message.id, message.data, ttl);
    return publisher.publish(message.topic, message.data, key);
  };

  return new Router()
    .on('POST', /^\/v1\/publish$/, async (req, res, _params, url) => {
      // The request's SERVER span (traced-router.ts), for the publish's spans after the body is read.
      const inRequestTrace = captureTraceContext();
      const caller = authorize(req, res);
      if (caller === null) return;
      const key = req.headers['idempotency-key'];
      // Bytes: the raw body, to the topic of `?topic=` (MAX_MESSAGE_BYTES bounds the body, as for JSON).
      const parse = sendsBytes(req)
        ? (b: Buffer) => parseBytesPublish(b, url.searchParams.get('topic'), key)
        : (b: Buffer) => parsePublishBody(b, config.MAX_MESSAGE_BYTES, key);
      const message = await body(req, res, config.MAX_MESSAGE_BYTES, parse);
      if (message === null || !withinRate(caller, res, 1)) return;
      try {
        const { offset, epoch, replayed } = await inRequestTrace(() => publish(message));
        if (!replayed) stats.published++;
        sendJson(res, 200, { offset, epoch }, replayed ? { 'idempotent-replayed': 'true' } : {});
      } catch (err) {
        unavailable(res, err);
      }
    })
    .on('POST', /^\/v1\/publish\/batch$/, async (req, res) => {
      const inRequestTrace = captureTraceContext();
      const caller = authorize(req, res);
      if (caller === null) return;
      const parse = (b: Buffer) => parseBatchBody(b, config.MAX_MESSAGE_BYTES, config.MAX_BATCH_MESSAGES);
      const messages = await body(req, res, config.MAX_BATCH_BYTES, parse);
      if (messages === null || !withinRate(caller, res, messages.length)) return;
      // All at once, in order: the store numbers each topic's messages in call order, so the
      // batch costs about one broker round trip instead of one per message.
      const settled = await Promise.allSettled(inRequestTrace(() => messages.map(publish)));
      const results: PublishResult[] = [];
      for (const outcome of settled) {
        if (outcome.status === 'rejected') {
          // The first results.length messages were accepted; the others are reported as not
          // accepted (a later one may have been stored anyway, as after any timeout).
          return unavailable(res, outcome.reason, { results });
        }
        const { offset, epoch, replayed } = outcome.value;
        results.push({ offset, epoch });
        if (!replayed) stats.published++;
      }
      sendJson(res, 200, { results });
    })
    .on('GET', /^\/v1\/topics\/([^/]+)\/history$/, async (req, res, [rawTopic], url) => {
      const caller = authorize(req, res);
      if (caller === null || !withinRate(caller, res, 1)) return;
      const topic = decodePathSegment(rawTopic ?? '');
      if (!isValidTopic(topic)) return sendError(res, 400, ErrorCode.BadTopic, 'invalid topic');
      const since = url.searchParams.get('since') ?? '0';
      const limit = url.searchParams.get('limit') ?? '100';
      if (!/^\d{1,15}$/.test(since)) return sendError(res, 400, ErrorCode.BadRequest, '"since" must be an integer ≥ 0');
      if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_HISTORY_PAGE) {
        return sendError(res, 400, ErrorCode.BadRequest, `"limit" must be an integer from 1 to ${MAX_HISTORY_PAGE}`);
      }
      if (history === null) return sendError(res, 404, 'not_found', 'history is off on this server (HISTORY_SIZE=0)');
      let page: Awaited<ReturnType<HistoryStore['since']>>;
      try {
        page = await history.since(topic, Number(since), Number(limit));
      } catch (err) {
        return unavailable(res, err);
      }
      // Splice the stored data texts in as they are: no parse, no re-serialisation (bytes: base64 + marker).
      const messages = page.messages.map((m) => `{"offset":${m.offset},${dataFields(m.data)}}`).join(',');
      const head = JSON.stringify({ epoch: page.epoch, offset: page.offset, complete: page.complete }).slice(0, -1);
      sendText(res, 200, `${head},"messages":[${messages}]}`, 'application/json; charset=utf-8');
    });
}
