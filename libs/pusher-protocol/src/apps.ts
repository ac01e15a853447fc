import { readFileSync } from 'node:fs';
import { isValidChannel } from './channel.js';

/** The Pusher webhook events, as their `name` in a webhook body (and in a webhook's `event_types`). */
export const WEBHOOK_EVENTS = [
  'channel_occupied',
  'channel_vacated',
  'member_added',
  'member_removed',
  'client_event',
  'subscription_count',
] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

/** One webhook of an app (soketi's shape): where to POST, which events, which channels. */
export interface PusherWebhook {
  /** http(s) URL. Never logged (it may carry a token). */
  url: string;
  /** The events it gets (`event_types`; default: all). */
  eventTypes: ReadonlySet<WebhookEventName>;
  /** Only channels whose name starts with this (`filter.channel_name_starts_with`; default: any). */
  channelPrefix: string;
  /** Only channels whose name ends with this (`filter.channel_name_ends_with`; default: any). */
  channelSuffix: string;
}

/** Whether `hook` wants `event` on `channel`. */
export function webhookWants(hook: PusherWebhook, event: WebhookEventName, channel: string): boolean {
  return hook.eventTypes.has(event) && channel.startsWith(hook.channelPrefix) && channel.endsWith(hook.channelSuffix);
}

/** One Pusher application: its credentials and the options a JSON `PUSHER_APPS` file may set. */
export interface PusherApp {
  /** App id: `POST /apps/{id}/events`; also names the app's topic namespace. */
  id: string;
  /** Public key: clients connect to `/app/{key}`; the HTTP API's `auth_key`. */
  key: string;
  /** Signs channel authorisations, API requests and webhooks. Never logged. */
  secret: string;
  /** Whether clients may send `client-` events on private and presence channels (off by default). */
  clientEvents: boolean;
  /** Connections to this app per edge; 0 = only the edge's MAX_CONNECTIONS. Past it: pusher:error 4100. */
  maxConnections: number;
  /** Members of one presence channel (Pusher's own limit is 100). */
  maxPresenceMembers: number;
  /** Bytes of a presence member's `user_id` + `user_info` (as JSON; at most 1000, so it fits a presence report's user name). */
  maxUserInfoBytes: number;
  /** Webhooks (Pusher format, signed with the secret), sent by the presence service; empty = none. */
  webhooks: PusherWebhook[];
  /** Publish `pusher_internal:subscription_count` on non-presence channels when their cluster-wide count changes (Pusher's "subscription counting"). */
  subscriptionCountEvents: boolean;
  /** `client_event` webhook reports per second per edge (burst 2×); past it the client event is still delivered, its webhook dropped. */
  maxClientEventWebhooksPerSecond: number;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const KEY = /^[A-Za-z0-9_-]{1,128}$/;

/** A bad `PUSHER_APPS`: the message names the variable (start-up fails with it). */
export class PusherAppsError extends Error {
  override readonly name = 'PusherAppsError';
  constructor(message: string) {
    super(`invalid PUSHER_APPS: ${message}`);
  }
}

const DEFAULTS = {
  clientEvents: false,
  maxConnections: 0,
  maxPresenceMembers: 100,
  maxUserInfoBytes: 1000,
  maxClientEventWebhooksPerSecond: 100,
};

const MAX_WEBHOOKS = 10;

/** A webhook: a URL (every event, every channel) or `{url, event_types?, filter?: {channel_name_starts_with?, channel_name_ends_with?}}`. */
function webhook(raw: unknown, where: string): PusherWebhook {
  const entry = typeof raw === 'string' ? { url: raw } : raw;
  if (typeof entry !== 'object' || entry === null)
    throw new PusherAppsError(`${where} must be a URL or {"url", "event_types"?, "filter"?}`);
  const { url, event_types: types = WEBHOOK_EVENTS, filter = {} } = entry as Record<string, unknown>;
  if (typeof url !== 'string' || !/^https?:\/\/[^\s]{1,2000}$/.test(url))
    throw new PusherAppsError(`${where}: "url" must be an http(s) URL`);
  if (!Array.isArray(types) || types.length === 0 || !types.every((t) => (WEBHOOK_EVENTS as readonly unknown[]).includes(t)))
    throw new PusherAppsError(`${where}: "event_types" must be a non-empty list of ${WEBHOOK_EVENTS.join(', ')}`);
  if (typeof filter !== 'object' || filter === null) throw new PusherAppsError(`${where}: "filter" must be an object`);
  const { channel_name_starts_with: prefix = '', channel_name_ends_with: suffix = '' } = filter as Record<string, unknown>;
  for (const [name, v] of [
    ['channel_name_starts_with', prefix],
    ['channel_name_ends_with', suffix],
  ] as const)
    if (typeof v !== 'string' || (v !== '' && !isValidChannel(v)))
      throw new PusherAppsError(`${where}: "filter.${name}" must be part of a channel name`);
  return { url, eventTypes: new Set(types as WebhookEventName[]), channelPrefix: prefix as string, channelSuffix: suffix as string };
}

function app(raw: Record<string, unknown>, where: string): PusherApp {
  const str = (name: string, re: RegExp): string => {
    const v = raw[name];
    if (typeof v !== 'string' || !re.test(v)) throw new PusherAppsError(`${where}: "${name}" must match ${re}`);
    return v;
  };
  const int = (name: string, fallback: number, max: number): number => {
    const v = raw[name] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max)
      throw new PusherAppsError(`${where}: "${name}" must be an integer 0..${max}`);
    return v;
  };
  const flag = (name: string): boolean => {
    const v = raw[name] ?? false;
    if (typeof v !== 'boolean') throw new PusherAppsError(`${where}: "${name}" must be true or false`);
    return v;
  };
  const webhooks = raw.webhooks ?? [];
  if (!Array.isArray(webhooks) || webhooks.length > MAX_WEBHOOKS)
    throw new PusherAppsError(`${where}: "webhooks" must be a list of at most ${MAX_WEBHOOKS} webhooks`);
  return {
    id: str('id', ID),
    key: str('key', KEY),
    secret: str('secret', /^[^\s]{8,256}$/),
    clientEvents: flag('clientEvents'),
    subscriptionCountEvents: flag('subscriptionCountEvents'),
    maxConnections: int('maxConnections', DEFAULTS.maxConnections, 10_000_000),
    maxPresenceMembers: int('maxPresenceMembers', DEFAULTS.maxPresenceMembers, 10_000),
    maxUserInfoBytes: int('maxUserInfoBytes', DEFAULTS.maxUserInfoBytes, 1000),
    webhooks: webhooks.map((w, i) => webhook(w, `${where}: webhook ${i + 1}`)),
    maxClientEventWebhooksPerSecond: int('maxClientEventWebhooksPerSecond', DEFAULTS.maxClientEventWebhooksPerSecond, 1_000_000),
  };
}

function parseList(value: string): PusherApp[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((entry, i) => {
      const parts = entry.split(':');
      if (parts.length !== 3) throw new PusherAppsError(`entry ${i + 1} must be id:key:secret`);
      const [id, key, secret] = parts;
      return app({ id, key, secret }, `entry ${i + 1}`);
    });
}

function parseFile(path: string): PusherApp[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new PusherAppsError(`cannot read ${path} as JSON (${(err as Error).message})`);
  }
  const list = Array.isArray(json) ? json : (json as { apps?: unknown })?.apps;
  if (!Array.isArray(list)) throw new PusherAppsError(`${path} must hold a list of apps (or {"apps":[…]})`);
  return list.map((raw, i) => {
    if (typeof raw !== 'object' || raw === null) throw new PusherAppsError(`${path}: app ${i + 1} must be an object`);
    return app(raw as Record<string, unknown>, `${path}: app ${i + 1}`);
  });
}

/**
 * The configured Pusher apps, by key and by id. `PUSHER_APPS` is either `id:key:secret[,…]`
 * (defaults for every option) or the path of a JSON file (`[{"id","key","secret",…}]`) when it
 * starts with `/` or `.` or ends with `.json`. Unset or empty: the Pusher layer is off.
 */
export class PusherApps {
  private readonly byKey = new Map<string, PusherApp>();
  private readonly byId = new Map<string, PusherApp>();

  constructor(readonly list: readonly PusherApp[]) {
    for (const a of list) {
      if (this.byKey.has(a.key)) throw new PusherAppsError(`key "${a.key}" is used twice`);
      if (this.byId.has(a.id)) throw new PusherAppsError(`id "${a.id}" is used twice`);
      this.byKey.set(a.key, a);
      this.byId.set(a.id, a);
    }
  }

  /** Parses the variable's value; throws PusherAppsError (naming the variable) when it is bad. */
  static parse(value: string | undefined): PusherApps {
    const v = (value ?? '').trim();
    if (v === '') return new PusherApps([]);
    const isFile = v.startsWith('/') || v.startsWith('.') || v.endsWith('.json');
    return new PusherApps(isFile ? parseFile(v) : parseList(v));
  }

  get enabled(): boolean {
    return this.list.length > 0;
  }

  withKey(key: string): PusherApp | undefined {
    return this.byKey.get(key);
  }

  withId(id: string): PusherApp | undefined {
    return this.byId.get(id);
  }
}
