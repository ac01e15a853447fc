import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { md5Hex, signRequest } from '@switchboard/pusher-protocol';
import type { WebhookReceiver } from '@switchboard/testkit';
import Pusher from 'pusher';
import PusherJs from 'pusher-js';

/** The app every Pusher test configures: `PUSHER_APPS` value and its credentials. */
export const APP = { id: 'app-1', key: 'key-1', secret: 'secret-one-1234' };
export const OTHER_APP = { id: 'app-2', key: 'key-2', secret: 'secret-two-1234' };
export const PUSHER_APPS = `${APP.id}:${APP.key}:${APP.secret},${OTHER_APP.id}:${OTHER_APP.key}:${OTHER_APP.secret}`;

/** The official `pusher` server library, publishing through our HTTP API at `apiUrl`. */
export function pusherServer(apiUrl: string, app = APP): Pusher {
  const url = new URL(apiUrl);
  return new Pusher({ appId: app.id, key: app.key, secret: app.secret, host: url.hostname, port: url.port, useTLS: false });
}

/**
 * The app's auth endpoint, as a Laravel/Express app would serve it: signs private and presence
 * subscriptions with the `pusher` library. `user` names the presence member it grants; `secret`
 * lets a test sign with a wrong one.
 */
export async function authEndpoint(server: Pusher): Promise<{ url: string; server: Server; user: { id: string; name: string } }> {
  const state = { url: '', server: createServer(), user: { id: 'u1', name: 'Ann' } };
  state.server.on('request', (req, res) => {
    if (req.method === 'GET') {
      // A blank page, so a browser test can load pusher-js on the auth endpoint's origin.
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>pusher test app</title>');
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const socketId = form.get('socket_id') ?? '';
      const channel = form.get('channel_name') ?? '';
      const auth = channel.startsWith('presence-')
        ? server.authorizeChannel(socketId, channel, { user_id: state.user.id, user_info: { name: state.user.name } })
        : server.authorizeChannel(socketId, channel);
      res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      res.end(JSON.stringify(auth));
    });
  });
  await new Promise<void>((r) => state.server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}/pusher/auth`;
  return state;
}

/** An unmodified pusher-js client on `edgeUrl` (http://host:port), connected. */
export async function pusherJs(edgeUrl: string, options: { key?: string; authUrl?: string } = {}): Promise<PusherJs> {
  const url = new URL(edgeUrl);
  const client = new PusherJs(options.key ?? APP.key, {
    cluster: 'local',
    wsHost: url.hostname,
    wsPort: Number(url.port),
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    channelAuthorization: { endpoint: options.authUrl ?? 'http://127.0.0.1:9/none', transport: 'ajax' },
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pusher-js did not connect (state ${client.connection.state})`)), 10_000);
    client.connection.bind('connected', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return client;
}

/** What a test closes at its end: the pusher-js clients and auth endpoints it opened. */
export interface Opened {
  clients: PusherJs[];
  servers: Array<{ close(): void }>;
}

/**
 * A connected pusher-js client on `edgeUrl` with its own auth endpoint (the app's `pusher`
 * library, pointed at the api at `apiUrl`) that grants presence as member `id`; both go into `opened`.
 */
export async function memberClient(edgeUrl: string, apiUrl: string, id: string, opened: Opened): Promise<PusherJs> {
  const auth = await authEndpoint(pusherServer(apiUrl));
  auth.user = { id, name: id };
  opened.servers.push(auth.server);
  const client = await pusherJs(edgeUrl, { authUrl: auth.url });
  opened.clients.push(client);
  return client;
}

/** Resolves once the channel is subscribed; rejects on pusher:subscription_error. */
export function subscribed(client: PusherJs, name: string): Promise<ReturnType<PusherJs['subscribe']>> {
  const channel = client.subscribe(name);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no subscription to ${name}`)), 10_000);
    channel.bind('pusher:subscription_succeeded', () => {
      clearTimeout(timer);
      resolve(channel);
    });
    channel.bind('pusher:subscription_error', (err: unknown) => {
      clearTimeout(timer);
      reject(new Error(`subscription to ${name} refused: ${JSON.stringify(err)}`));
    });
  });
}

/** Collects the events named `event` that a channel receives. */
export function collect(channel: ReturnType<PusherJs['subscribe']>, event: string): unknown[] {
  const got: unknown[] = [];
  channel.bind(event, (data: unknown) => got.push(data));
  return got;
}

/** Polls `probe` until it holds; throws naming `what` after `timeoutMs`. */
export async function until(probe: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A request signed by hand (Pusher request signing), for bodies the `pusher` library refuses to send. */
export function signedFetch(apiUrl: string, method: 'GET' | 'POST', path: string, body?: string, app = APP): Promise<Response> {
  const params = new Map([
    ['auth_key', app.key],
    ['auth_timestamp', String(Math.floor(Date.now() / 1000))],
    ['auth_version', '1.0'],
  ]);
  if (body !== undefined) params.set('body_md5', md5Hex(body));
  params.set('auth_signature', signRequest(app.secret, method, path, params));
  const query = [...params].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return fetch(`${apiUrl}${path}?${query}`, { method, body, headers: { 'content-type': 'application/json' } });
}

/** Writes a JSON `PUSHER_APPS` file (a temporary directory) and returns its path. */
export function appsFile(apps: object[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pusher-apps-')), 'apps.json');
  writeFileSync(file, JSON.stringify(apps));
  return file;
}

/** One event of a Pusher webhook body. */
export interface HookEvent {
  name: string;
  channel: string;
  user_id?: string;
  event?: string;
  data?: string;
  socket_id?: string;
}

/**
 * Every event the receiver got so far, in order; each request is checked by the `pusher`
 * library's own `webhook()` helper (X-Pusher-Key and X-Pusher-Signature against the app).
 */
export function webhookEvents(receiver: WebhookReceiver, server: Pusher): HookEvent[] {
  return receiver.requests.flatMap((r) => {
    const hook = server.webhook({ headers: r.headers, rawBody: r.body });
    assert.ok(hook.isValid(), `a webhook the pusher library does not accept: ${JSON.stringify(r.headers)} ${r.body}`);
    assert.ok(Math.abs(hook.getTime().getTime() - Date.now()) < 60_000, 'time_ms is now');
    return hook.getEvents() as unknown as HookEvent[];
  });
}

/** The events named `name` (optionally on `channel`), as `channel[:user_id]` strings. */
export function named(events: HookEvent[], name: string, channel?: string): string[] {
  return events
    .filter((e) => e.name === name && (channel === undefined || e.channel === channel))
    .map((e) => (e.user_id === undefined ? e.channel : `${e.channel}:${e.user_id}`));
}
