import { WebSocket } from 'ws';
import { createClient, type Message, type SwitchboardClient } from '../src/index.js';
import { type FakeConnection, FakeServer, type Frame, once } from './fake-server.js';

/** Shared set-up of the subscription tests: one fake server per test, clients closed after each. */
export const clients: SwitchboardClient[] = [];
export let server: FakeServer;

export function client(): SwitchboardClient {
  const c = createClient({ url: server.url, WebSocket, backoffBaseMs: 10, backoffMaxMs: 20, random: () => 0 });
  clients.push(c);
  return c;
}

export async function fresh(): Promise<FakeServer> {
  await server?.stop();
  server = await FakeServer.start();
  return server;
}

export function ack(conn: FakeConnection, req: Frame, offset: number | null, epoch: string | null, recovered?: boolean): void {
  conn.send({ op: 'ack', id: req.id, topic: req.topic, offset, epoch, ...(recovered === undefined ? {} : { recovered }) });
}

export function message(conn: FakeConnection, topic: string, offset: number | null, data: unknown): void {
  conn.send({ op: 'message', topic, offset, data });
}

/** Collects deliveries and resolves when `count` have arrived. */
export function collector(count: number) {
  const got: Message[] = [];
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  return {
    got,
    all,
    handler: (m: Message) => {
      got.push(m);
      if (got.length >= count) done();
    },
  };
}

export async function reconnect(c: SwitchboardClient, conn: FakeConnection): Promise<FakeConnection> {
  const connected = once((l) => c.on('connected', l));
  conn.close(1001, 'drain');
  const next = await server.nextConnection();
  await connected;
  return next;
}

/** Closes the clients and the server; call from the test file's hooks. */
export function closeClients(): void {
  for (const c of clients.splice(0)) c.close();
}

export async function stopServer(): Promise<void> {
  await server?.stop();
}
