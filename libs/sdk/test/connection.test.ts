import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { type ClientOptions, createClient, type DisconnectedEvent, type SwitchboardClient, SwitchboardError } from '../src/index.js';
import { FakeServer, type FakeServerOptions, once, sleep } from './fake-server.js';

const clients: SwitchboardClient[] = [];
const servers: FakeServer[] = [];

function client(server: FakeServer, options: Partial<ClientOptions> = {}): SwitchboardClient {
  const c = createClient({ url: server.url, WebSocket, backoffBaseMs: 20, backoffMaxMs: 100, connectTimeoutMs: 2000, ...options });
  clients.push(c);
  return c;
}

async function server(options: FakeServerOptions = {}): Promise<FakeServer> {
  const s = await FakeServer.start(options);
  servers.push(s);
  return s;
}

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});
after(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

describe('connecting', { timeout: 10_000 }, () => {
  it('connects, emits connecting/connected with the welcome info', async () => {
    const s = await server();
    const c = client(s);
    const seen: string[] = [];
    c.on('connecting', (e) => seen.push(`connecting:${e.attempt}`));
    c.on('connected', (e) => seen.push(`connected:${e.session}@${e.node}`));
    assert.equal(c.state, 'idle');
    const welcome = await c.connect();
    assert.deepEqual(welcome, { session: 's1', node: 'fake-1', heartbeat: 0 });
    assert.deepEqual(seen, ['connecting:0', 'connected:s1@fake-1']);
    assert.equal(c.state, 'connected');
    assert.deepEqual(await c.connect(), welcome, 'connect() while connected resolves at once');
  });

  it('sends connect with the token as the first frame', async () => {
    const s = await server({ welcome: 'connect' });
    const c = client(s, { token: 'tok-1' });
    await c.connect();
    const conn = s.connections[0];
    assert.deepEqual(conn?.received[0], { op: 'connect', token: 'tok-1' });
  });

  it('sends no connect frame without a token', async () => {
    const s = await server();
    const c = client(s);
    await c.connect();
    c.subscribe('a', () => undefined);
    const conn = await s.nextConnection();
    assert.equal((await conn.next()).op, 'subscribe');
  });

  it('calls getToken on every (re)connect and retries 4001 with a fresh token', async () => {
    const s = await server({ welcome: 'manual' });
    let calls = 0;
    const c = client(s, { getToken: async () => `tok-${++calls}` });
    const done = c.connect();
    const first = await s.nextConnection();
    assert.deepEqual(await first.next('connect'), { op: 'connect', token: 'tok-1' });
    first.close(4001, 'token expired');
    const second = await s.nextConnection();
    assert.deepEqual(await second.next('connect'), { op: 'connect', token: 'tok-2' });
    second.welcome();
    await done;
    second.close(1001, 'going away');
    const third = await s.nextConnection();
    assert.deepEqual(await third.next('connect'), { op: 'connect', token: 'tok-3' });
  });

  it('retries with backoff when getToken fails, reporting an error event', async () => {
    const s = await server({ welcome: 'connect' });
    let calls = 0;
    const c = client(s, {
      getToken: () => {
        calls++;
        if (calls === 1) throw new Error('auth server down');
        return 'tok';
      },
    });
    const error = once<SwitchboardError>((l) => c.on('error', l));
    await c.connect();
    assert.equal((await error).code, 'unauthorized');
    assert.equal(calls, 2);
  });

  const fatal: Array<[number, string]> = [
    [4001, 'unauthorized'],
    [4003, 'forbidden'],
    [1008, 'forbidden'],
    [4400, 'bad_request'],
  ];
  for (const [code, errorCode] of fatal) {
    it(`does not reconnect after close ${code}`, async () => {
      const s = await server({ welcome: 'manual' });
      const c = client(s, code === 4001 ? { token: 't' } : {});
      const events: DisconnectedEvent[] = [];
      c.on('disconnected', (e) => events.push(e));
      const done = c.connect();
      (await s.nextConnection()).close(code, 'no');
      await assert.rejects(done, (err: unknown) => err instanceof SwitchboardError && err.code === errorCode);
      await sleep(150);
      assert.equal(s.connections.length, 1);
      assert.deepEqual(events, [{ code, reason: 'no', willReconnect: false, retryInMs: null }]);
      assert.equal(c.state, 'closed');
    });
  }

  for (const code of [1001, 4008, 4029, 1000, 1011]) {
    it(`reconnects with backoff after close ${code}`, async () => {
      const s = await server();
      const c = client(s, { random: () => 0.5 });
      await c.connect();
      const disconnected = once<DisconnectedEvent>((l) => c.on('disconnected', l));
      const reconnected = once((l) => c.on('connected', l));
      (await s.nextConnection()).close(code, 'bye');
      assert.deepEqual(await disconnected, { code, reason: 'bye', willReconnect: true, retryInMs: 10 });
      await reconnected;
      assert.equal(s.connections.length, 2);
    });
  }

  it('reconnects after an abrupt drop (1006)', async () => {
    const s = await server();
    const c = client(s);
    await c.connect();
    const disconnected = once<DisconnectedEvent>((l) => c.on('disconnected', l));
    (await s.nextConnection()).ws.terminate();
    assert.equal((await disconnected).code, 1006);
    await once((l) => c.on('connected', l));
  });

  it('grows the backoff over failed attempts and resets it after a welcome', async () => {
    const s = await server({ welcome: 'manual' });
    const c = client(s, { random: () => 0.5, backoffBaseMs: 10, backoffMaxMs: 40 });
    const delays: Array<number | null> = [];
    const attempts: number[] = [];
    c.on('disconnected', (e) => delays.push(e.retryInMs));
    c.on('connecting', (e) => attempts.push(e.attempt));
    void c.connect();
    for (let i = 0; i < 4; i++) (await s.nextConnection()).close(4029, 'rate limited');
    const fifth = await s.nextConnection();
    fifth.welcome();
    await once((l) => c.on('connected', l));
    fifth.close(1001);
    await s.nextConnection();
    assert.deepEqual(delays, [5, 10, 20, 20, 5]);
    assert.deepEqual(attempts, [0, 1, 2, 3, 4, 1], 'attempt counts from 0 again after a welcome');
  });

  it('keeps retrying while the server is down', async () => {
    const s = await server();
    const url = s.url;
    await s.stop();
    servers.splice(servers.indexOf(s), 1);
    const c = createClient({ url, WebSocket, backoffBaseMs: 5, backoffMaxMs: 20 });
    clients.push(c);
    const events: DisconnectedEvent[] = [];
    c.on('disconnected', (e) => events.push(e));
    void c.connect();
    await sleep(200);
    assert.ok(events.length >= 3, `only ${events.length} attempts`);
    assert.ok(events.every((e) => e.willReconnect && e.code === 1006));
  });

  it('stays connected for `after` ms on a server reconnect frame, then switches to a new connection at once', async () => {
    const s = await server();
    const c = client(s);
    await c.connect();
    const conn = await s.nextConnection();
    const disconnected = once<DisconnectedEvent>((l) => c.on('disconnected', l));
    const start = Date.now();
    conn.send({ op: 'reconnect', after: 150 });
    await sleep(80);
    assert.equal(c.state, 'connected', 'still connected (and receiving) during `after`');
    assert.equal((await disconnected).retryInMs, 0);
    assert.ok(Date.now() - start >= 140, `switched after ${Date.now() - start} ms`);
    assert.equal((await conn.closed).code, 1000, 'the client closes the old socket');
    await s.nextConnection();
  });

  it('answers ping with pong', async () => {
    const s = await server();
    const c = client(s);
    await c.connect();
    const conn = await s.nextConnection();
    conn.send({ op: 'ping' });
    assert.deepEqual(await conn.next(), { op: 'pong' });
  });

  it('stays connected while pings arrive', async () => {
    const s = await server({ heartbeat: 50 });
    const c = client(s);
    await c.connect();
    const conn = await s.nextConnection();
    const timer = setInterval(() => conn.send({ op: 'ping' }), 40);
    await sleep(300);
    clearInterval(timer);
    assert.equal(s.connections.length, 1);
    assert.equal(c.state, 'connected');
  });

  it('declares the connection dead after 2 x heartbeat of silence and reconnects', async () => {
    const s = await server({ heartbeat: 50 });
    const c = client(s);
    await c.connect();
    const conn = await s.nextConnection();
    const start = Date.now();
    const disconnected = once<DisconnectedEvent>((l) => c.on('disconnected', l));
    const e = await disconnected;
    const elapsed = Date.now() - start;
    assert.equal(e.code, 4008);
    assert.equal(e.willReconnect, true);
    assert.ok(elapsed >= 90 && elapsed < 400, `declared dead after ${elapsed} ms`);
    await conn.closed;
    await s.nextConnection();
  });

  it('gives up on an attempt without welcome after connectTimeoutMs', async () => {
    const s = await server({ welcome: 'manual' });
    const c = client(s, { connectTimeoutMs: 80 });
    void c.connect();
    const e = await once<DisconnectedEvent>((l) => c.on('disconnected', l));
    assert.equal(e.code, 4008);
    await s.nextConnection();
    (await s.nextConnection()).welcome();
    await once((l) => c.on('connected', l));
  });

  it('close() stops reconnecting and rejects a pending connect()', async () => {
    const s = await server({ welcome: 'manual' });
    const c = client(s, { token: 't' });
    const done = c.connect();
    const conn = await s.nextConnection();
    await conn.next('connect');
    const events: DisconnectedEvent[] = [];
    c.on('disconnected', (e) => events.push(e));
    c.close();
    await assert.rejects(done, (err: unknown) => err instanceof SwitchboardError && err.code === 'unavailable');
    assert.equal((await conn.closed).code, 1000);
    await sleep(100);
    assert.equal(s.connections.length, 1);
    assert.deepEqual(events, [{ code: 1000, reason: 'client closed', willReconnect: false, retryInMs: null }]);
    assert.equal(c.state, 'closed');
  });

  it('close() from a disconnected listener prevents the reconnect', async () => {
    const s = await server();
    const c = client(s);
    await c.connect();
    c.on('disconnected', () => c.close());
    (await s.nextConnection()).close(1001);
    await sleep(100);
    assert.equal(s.connections.length, 1);
    assert.equal(c.state, 'closed');
  });

  it('can connect again after close()', async () => {
    const s = await server();
    const c = client(s);
    await c.connect();
    c.close();
    await c.connect();
    assert.equal(s.connections.length, 2);
  });

  it('emits an error event for an error frame without a request id', async () => {
    const s = await server();
    const c = client(s);
    await c.connect();
    const error = once<SwitchboardError>((l) => c.on('error', l));
    (await s.nextConnection()).send({ op: 'error', code: 'rate_limited', message: 'slow down' });
    const err = await error;
    assert.equal(err.code, 'rate_limited');
    assert.equal(err.message, 'slow down');
  });

  it('throws at creation without any WebSocket implementation', () => {
    if ('WebSocket' in globalThis) return;
    assert.throws(() => createClient({ url: 'ws://127.0.0.1:1/ws' }), /WebSocket/);
  });
});
