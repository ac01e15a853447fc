import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Publisher } from '@switchboard/history';
import { BodyTooLargeError, decodePathSegment, RateLimits, Router, readBody, sendJson, sendText } from '@switchboard/http';
import {
  type ChannelOccupancy,
  type ChannelSelection,
  type ChannelSource,
  channelKind,
  channelTopic,
  encodePusherEvent,
  isValidChannel,
  type PusherApp,
  type PusherApps,
} from '@switchboard/pusher-protocol';
import type { Logger } from '@switchboard/telemetry';
import type { ApiConfig } from '../config.js';
import { type EventToPublish, type ParsedEvents, parseBatchBody, parseEventBody } from './pusher-event-body.js';
import { checkRequestSignature, type Refusal } from './pusher-request-auth.js';

export interface PusherApiDeps {
  config: Pick<ApiConfig, 'MAX_MESSAGE_BYTES' | 'MAX_BATCH_BYTES' | 'MAX_BATCH_MESSAGES' | 'API_RATE_LIMIT'> & { PUSHER_APPS: PusherApps };
  publisher: Publisher;
  log: Logger;
  /** Where channel queries read the presence aggregate (in process, or the presence replicas over the bus). */
  channels: ChannelSource;
}

/** Pusher's error shape: a status and a plain-text body. */
function refuse(res: ServerResponse, { status, message }: Refusal): void {
  sendText(res, status, `${message}\n`);
}

/**
 * Pusher's HTTP API for the apps of PUSHER_APPS, with Pusher's request signing instead of API
 * keys: `POST /apps/{id}/events`, `POST /apps/{id}/batch_events`, `GET /apps/{id}/channels`,
 * `GET /apps/{id}/channels/{name}`, `GET /apps/{id}/channels/{name}/users`. Limits are ours
 * (MAX_MESSAGE_BYTES per event's data, MAX_BATCH_BYTES / MAX_BATCH_MESSAGES per batch, and
 * API_RATE_LIMIT events per second per app, one per channel delivered to).
 */
export function pusherRoutes({ config, publisher, log, channels }: PusherApiDeps): Router {
  const apps = config.PUSHER_APPS;
  const limits = new RateLimits(config.API_RATE_LIMIT, Math.max(2 * config.API_RATE_LIMIT, config.MAX_BATCH_MESSAGES));

  /** Reads the body and checks the signature; answers and returns null when refused. */
  const authentic = async (req: IncomingMessage, res: ServerResponse, rawId: string, url: URL, limit: number) => {
    const app = apps.withId(decodePathSegment(rawId) ?? '');
    if (app === undefined) {
      req.resume();
      refuse(res, { status: 404, message: 'Unknown app' });
      return null;
    }
    let body: Buffer;
    try {
      body = await readBody(req, limit);
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      res.setHeader('connection', 'close');
      refuse(res, { status: 413, message: err.message });
      return null;
    }
    const refusal = checkRequestSignature(app, req.method ?? 'GET', url, body);
    if (refusal !== null) {
      refuse(res, refusal);
      return null;
    }
    return { app, body };
  };

  const publishAll = async (res: ServerResponse, app: PusherApp, parsed: ParsedEvents, batch: boolean) => {
    if (!parsed.ok) return refuse(res, parsed.refusal);
    const deliveries = parsed.events.reduce((n, e) => n + e.channels.length, 0);
    if (!limits.take(`pusher:${app.id}`, deliveries))
      return refuse(res, { status: 429, message: `over ${config.API_RATE_LIMIT} events per second` });
    try {
      for (const event of parsed.events) await publishEvent(app, event);
    } catch (err) {
      log.warn({ err, app: app.id }, 'pusher event not accepted');
      return refuse(res, { status: 503, message: 'the message bus is unavailable; the event was not (fully) accepted' });
    }
    sendJson(res, 200, batch ? { batch: parsed.events.map(() => ({})) } : {});
  };

  const publishEvent = async (app: PusherApp, event: EventToPublish) => {
    for (const channel of event.channels) {
      await publisher.publish(
        channelTopic(app.id, channel),
        encodePusherEvent({ event: event.name, channel, data: event.data }, event.socketId),
      );
    }
  };

  /** The selected channels; answers 429 or 503 and returns null when refused or the presence service cannot be asked. */
  const occupancy = async (res: ServerResponse, app: PusherApp, selection: ChannelSelection): Promise<ChannelOccupancy[] | null> => {
    // A query costs one delivery of the app's rate: it is a bus round trip and a scan on a presence replica.
    if (!limits.take(`pusher:${app.id}`, 1)) {
      refuse(res, { status: 429, message: `over ${config.API_RATE_LIMIT} requests per second` });
      return null;
    }
    try {
      return await channels.channels(app.id, selection);
    } catch (err) {
      log.warn({ err, app: app.id }, 'pusher channel query not answered');
      refuse(res, { status: 503, message: 'channel information is unavailable (no presence service answered); retry later' });
      return null;
    }
  };

  return new Router()
    .on('POST', /^\/apps\/([^/]+)\/events$/, async (req, res, [id], url) => {
      const ok = await authentic(req, res, id ?? '', url, config.MAX_MESSAGE_BYTES + 16 * 1024);
      if (ok !== null) await publishAll(res, ok.app, parseEventBody(ok.body, config.MAX_MESSAGE_BYTES), false);
    })
    .on('POST', /^\/apps\/([^/]+)\/batch_events$/, async (req, res, [id], url) => {
      const ok = await authentic(req, res, id ?? '', url, config.MAX_BATCH_BYTES);
      if (ok !== null) await publishAll(res, ok.app, parseBatchBody(ok.body, config.MAX_MESSAGE_BYTES, config.MAX_BATCH_MESSAGES), true);
    })
    .on('GET', /^\/apps\/([^/]+)\/channels$/, async (req, res, [id], url) => {
      const ok = await authentic(req, res, id ?? '', url, 0);
      if (ok === null) return;
      const prefix = url.searchParams.get('filter_by_prefix') ?? '';
      const info = (url.searchParams.get('info') ?? '').split(',');
      if (info.includes('user_count') && !prefix.startsWith('presence-'))
        return refuse(res, { status: 400, message: 'info=user_count needs filter_by_prefix=presence-' });
      const list = await occupancy(res, ok.app, { prefix, users: false });
      if (list === null) return;
      const out: Record<string, { user_count?: number; subscription_count?: number }> = {};
      for (const c of list) {
        const attrs: { user_count?: number; subscription_count?: number } = {};
        if (info.includes('user_count')) attrs.user_count = c.userCount;
        if (info.includes('subscription_count')) attrs.subscription_count = c.subscriptions;
        out[c.channel] = attrs;
      }
      sendJson(res, 200, { channels: out });
    })
    .on('GET', /^\/apps\/([^/]+)\/channels\/([^/]+)$/, async (req, res, [id, rawName], url) => {
      const ok = await authentic(req, res, id ?? '', url, 0);
      const name = decodePathSegment(rawName ?? '');
      if (ok === null) return;
      if (!isValidChannel(name)) return refuse(res, { status: 400, message: 'invalid channel name' });
      const info = (url.searchParams.get('info') ?? '').split(',');
      if (info.includes('user_count') && channelKind(name) !== 'presence')
        return refuse(res, { status: 400, message: 'user_count is only for presence channels' });
      const list = await occupancy(res, ok.app, { prefix: '', channel: name, users: false });
      if (list === null) return;
      const c = list.find((x) => x.channel === name);
      const body: Record<string, unknown> = { occupied: c !== undefined };
      if (info.includes('subscription_count')) body.subscription_count = c?.subscriptions ?? 0;
      if (info.includes('user_count')) body.user_count = c?.userCount ?? 0;
      sendJson(res, 200, body);
    })
    .on('GET', /^\/apps\/([^/]+)\/channels\/([^/]+)\/users$/, async (req, res, [id, rawName], url) => {
      const ok = await authentic(req, res, id ?? '', url, 0);
      const name = decodePathSegment(rawName ?? '');
      if (ok === null) return;
      if (!isValidChannel(name) || channelKind(name) !== 'presence')
        return refuse(res, { status: 400, message: 'users are only listed for presence channels' });
      const list = await occupancy(res, ok.app, { prefix: '', channel: name, users: true });
      if (list === null) return;
      const users = list.find((x) => x.channel === name)?.users ?? [];
      sendJson(res, 200, { users: users.map((u) => ({ id: u })) });
    });
}
