import { randomInt } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { HistoryStore } from '@switchboard/history';
import { errorFrame, type PusherApp, type PusherApps, PusherError } from '@switchboard/pusher-protocol';
import type { WebSocket } from 'ws';
import type { Session } from '../session/session.js';
import { PusherCache } from './pusher-cache.js';
import { PusherClientEventReports } from './pusher-client-event-reports.js';
import type { PusherHost } from './pusher-host.js';
import { PusherPresence } from './pusher-presence.js';
import { PusherRequests } from './pusher-requests.js';
import { PusherTransport } from './pusher-transport.js';

const APP_PATH = /^\/app\/([^/?]{1,128})$/;

/** Pusher protocol versions this endpoint speaks (pusher-js 8 sends 7). */
const MIN_PROTOCOL = 5;
const MAX_PROTOCOL = 7;

/** A Pusher socket id: `<integer>.<integer>`, unique enough per cluster (2 × 53 random bits would do; 2 × 40 suffice). */
function newSocketId(): string {
  return `${randomInt(1, 2 ** 40)}.${randomInt(1, 2 ** 40)}`;
}

/** Refuses a connection the Pusher way: a `pusher:error` frame, then a close with the same code. */
function refuse(ws: WebSocket, code: number, message: string): void {
  ws.send(errorFrame(code, message));
  ws.close(code, message.slice(0, 120));
}

/**
 * The Pusher Channels endpoint, `GET /app/{key}?protocol=7` (upgraded by the edge like `/ws`,
 * after the same origin and connection-rate checks). A connection belongs to one app (by key);
 * its channels are the app's topics (`$pusher.<appId>.<channel>`), delivered through the same
 * registry, fan-out and heartbeat as native sessions.
 */
export class PusherEndpoint {
  /** Presence channels of this edge (members, their list and events). */
  readonly presence: PusherPresence;
  /** Client events reported to the presence service for `client_event` webhooks. */
  readonly clientEventReports: PusherClientEventReports;
  private readonly requests: PusherRequests;
  /** Open connections per app on this edge (for the app's `maxConnections`). */
  private readonly perApp = new Map<string, number>();

  constructor(
    private readonly host: PusherHost,
    private readonly apps: PusherApps,
    history: HistoryStore | null,
  ) {
    this.presence = new PusherPresence(host);
    this.clientEventReports = new PusherClientEventReports(host, apps);
    this.requests = new PusherRequests(host, this.presence, this.clientEventReports, new PusherCache(host, history));
  }

  matches(path: string): boolean {
    return path.startsWith('/app/');
  }

  accept(ws: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? '/', 'http://edge');
    const key = APP_PATH.exec(url.pathname)?.[1];
    const app = key === undefined ? undefined : this.apps.withKey(decodeURIComponent(key));
    const refusal = this.refusal(app, url.searchParams.get('protocol'));
    if (refusal !== null) refuse(ws, refusal[0], refusal[1]);
    else if (app !== undefined) this.open(ws, app);
  }

  /** Why a connection is refused (`[code, message]`), or null. */
  private refusal(app: PusherApp | undefined, protocol: string | null): [number, string] | null {
    if (app === undefined) return [PusherError.AppUnknown, 'App key not in this cluster'];
    if (protocol === null) return [PusherError.NoVersion, 'No protocol version supplied'];
    if (!/^\d{1,3}$/.test(protocol)) return [PusherError.InvalidVersion, 'Invalid version string format'];
    if (Number(protocol) < MIN_PROTOCOL || Number(protocol) > MAX_PROTOCOL)
      return [PusherError.UnsupportedVersion, `Unsupported protocol version ${protocol} (${MIN_PROTOCOL}-${MAX_PROTOCOL})`];
    if (this.overCapacity(app)) return [PusherError.OverCapacity, 'Over capacity, reconnect later'];
    return null;
  }

  private overCapacity(app: PusherApp): boolean {
    const { MAX_CONNECTIONS } = this.host.config;
    if (MAX_CONNECTIONS > 0 && this.host.sessions.size >= MAX_CONNECTIONS) return true;
    return app.maxConnections > 0 && (this.perApp.get(app.id) ?? 0) >= app.maxConnections;
  }

  private open(ws: WebSocket, app: PusherApp): void {
    const { host } = this;
    const transport = new PusherTransport(ws, app, newSocketId(), this.presence);
    const session: Session = host.openSession(transport);
    this.perApp.set(app.id, (this.perApp.get(app.id) ?? 0) + 1);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.requests.onText(session, transport, data.toString('utf8'));
      else {
        host.stats.protocolErrors++;
        session.close(1003, 'binary frames are not part of the Pusher protocol');
      }
    });
    ws.on('error', (err) => host.log.debug({ err, session: session.id }, 'pusher socket error'));
    ws.once('close', () => {
      const left = (this.perApp.get(app.id) ?? 1) - 1;
      if (left > 0) this.perApp.set(app.id, left);
      else this.perApp.delete(app.id);
      const subs = [...session.subscriptions.values()];
      host.closeSession(session);
      for (const sub of subs) this.presence.leave(sub);
    });
    host.welcome(session);
  }
}
