import { readFileSync } from 'node:fs';

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
  /** Webhook URLs (Pusher format, signed with the secret); empty = none. */
  webhooks: string[];
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

const DEFAULTS = { clientEvents: false, maxConnections: 0, maxPresenceMembers: 100, maxUserInfoBytes: 1000, webhooks: [] as string[] };

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
  const clientEvents = raw.clientEvents ?? DEFAULTS.clientEvents;
  if (typeof clientEvents !== 'boolean') throw new PusherAppsError(`${where}: "clientEvents" must be true or false`);
  const webhooks = raw.webhooks ?? DEFAULTS.webhooks;
  if (!Array.isArray(webhooks) || !webhooks.every((u) => typeof u === 'string' && /^https?:\/\//.test(u)))
    throw new PusherAppsError(`${where}: "webhooks" must be a list of http(s) URLs`);
  return {
    id: str('id', ID),
    key: str('key', KEY),
    secret: str('secret', /^[^\s]{8,256}$/),
    clientEvents,
    maxConnections: int('maxConnections', DEFAULTS.maxConnections, 10_000_000),
    maxPresenceMembers: int('maxPresenceMembers', DEFAULTS.maxPresenceMembers, 10_000),
    maxUserInfoBytes: int('maxUserInfoBytes', DEFAULTS.maxUserInfoBytes, 1000),
    webhooks: webhooks as string[],
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
