import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { type ClientOptions, createClient, type SwitchboardClient, SwitchboardError } from '../src/index.js';
import { FakeServer, type FakeServerOptions, fakeJwt, once, sleep } from './fake-server.js';

const clients: SwitchboardClient[] = [];
const servers: FakeServer[] = [];

function client(server: FakeServer, options: Partial<ClientOptions> = {}): SwitchboardClient {
  const c = createClient({ url: server.url, WebSocket, backoffBaseMs: 10, backoffMaxMs: 20, random: () => 0, ...options });
  clients.push(c);
  return c;
}

async function server(options: FakeServerOptions = {}): Promise<FakeServer> {
  const s = await FakeServer.start(options);
  servers.push(s);
  return s;
}

const isCode = (code: string) => (err: unknown) => err instanceof SwitchboardError && err.code === code;

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});
after(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

describe('publish', { timeout: 10_000 }, () => {
  it('resolves with offset and epoch from the ack', async () => {
    const s = await server();
    const c = client(s);
    await c.connect();
    const conn = await s.nextConnection();
    const result = c.publish('chat.a', { text: 'hi', n: [1, null] });
    const req = await conn.next('publish');
    assert.deepEqual(req, { op: 'publish', id: req.id, topic: 'chat.a', data: { text: 'hi', n: [1, null] } });
    conn.send({ op: 'ack', id: req.id, offset: 42, epoch: 'e1' });
    assert.deepEqual(await result, { offset: 42, epoch: 'e1' });
  });

  it('resolves offset null when history is off', async () => {
    const s = await server();
    const c = client(s);
    await c.connect();
    const conn = await s.nextConnection();
    const result = c.publish('t', null);
    conn.send({ op: 'ack', id: (await conn.next('publish')).id, offset: null });
    assert.deepEqual(await result, { offset: null, epoch: null });
  });

  it('matches acks to requests by id', async () => {
    const s = await server();
    const c = client(s);
    await c.connect();
    const conn = await s.nextConnection();
    const first = c.publish('t', 1);
    const second = c.publish('t', 2);
    const r1 = await conn.next('publish');
    const r2 = await conn.next('publish');
    conn.send({ op: 'ack', id: r2.id, offset: 2, epoch: 'e' });
    conn.send({ op: 'ack', id: r1.id, offset: 1, epoch: 'e' });
    assert.deepEqual([(await first).offset, (await second).offset], [1, 2]);
  });

  it('rejects with the error frame code', async () => {
    const s = await server();
    const c = client(s);
    await c.connect();
    const conn = await s.nextConnection();
    const result = c.publish('t', 'x');
    conn.send({ op: 'error', id: (await conn.next('publish')).id, code: 'forbidden', message: 'no publish for you' });
    await assert.rejects(result, (err: unknown) => isCode('forbidden')(err) && (err as Error).message === 'no publish for you');
  });

  it('rejects at once with unavailable while disconnected (no queueing)', async () => {
    const s = await server();
    const c = client(s);
    await assert.rejects(c.publish('t', 1), isCode('unavailable'));
    await sleep(20);
    assert.equal(s.connections.length, 0);
  });

  it('rejects pending publishes with unavailable when the connection drops', async () => {
    const s = await server();
    const c = client(s);
    await c.connect();
    const conn = await s.nextConnection();
    const result = c.publish('t', 1);
    await conn.next('publish');
    conn.ws.terminate();
    await assert.rejects(result, isCode('unavailable'));
  });

  it('rejects data that is not JSON', async () => {
    const s = await server();
    const c = client(s);
    await c.connect();
    await assert.rejects(c.publish('t', undefined), isCode('bad_request'));
    await assert.rejects(c.publish('t', { n: 1n }), isCode('bad_request'));
  });
});

describe('token refresh', { timeout: 10_000 }, () => {
  it('refreshes through getToken 10 % of a short lifetime before exp', async () => {
    const s = await server({ welcome: 'connect' });
    const tokens: string[] = [];
    const getToken = () => {
      const now = Date.now() / 1000;
      const token = fakeJwt({ sub: 'u1', iat: now, exp: now + 1.5, n: tokens.length });
      tokens.push(token);
      return token;
    };
    const c = client(s, { getToken });
    const start = Date.now();
    await c.connect();
    const conn = await s.nextConnection();
    assert.equal((await conn.next('connect')).token, tokens[0]);
    const refresh = await conn.next('refresh');
    const elapsed = Date.now() - start;
    assert.ok(elapsed >= 1200 && elapsed < 1500, `refreshed after ${elapsed} ms`);
    assert.deepEqual(refresh, { op: 'refresh', id: refresh.id, token: tokens[1] });
    assert.equal(typeof refresh.id, 'number');
    conn.send({ op: 'ack', id: refresh.id });
    const again = await conn.next('refresh');
    assert.equal(again.token, tokens[2], 'the next refresh is planned from the new token');
  });

  it('does not schedule a refresh for opaque tokens or without getToken', async () => {
    const s = await server({ welcome: 'connect' });
    const now = Date.now() / 1000;
    const a = client(s, { getToken: () => 'opaque' });
    const b = client(s, { token: fakeJwt({ iat: now, exp: now + 1.2 }) });
    await Promise.all([a.connect(), b.connect()]);
    await sleep(1200);
    for (const conn of s.connections) assert.equal(conn.received.filter((f) => f.op === 'refresh').length, 0);
  });

  it('reports a refused refresh as an error event', async () => {
    const s = await server({ welcome: 'connect' });
    const c = client(s, {
      getToken: () => {
        const now = Date.now() / 1000;
        return fakeJwt({ iat: now, exp: now + 1.2 });
      },
    });
    await c.connect();
    const conn = await s.nextConnection();
    const refresh = await conn.next('refresh');
    const error = once<SwitchboardError>((l) => c.on('error', l));
    conn.send({ op: 'error', id: refresh.id, code: 'unauthorized', message: 'bad token' });
    assert.equal((await error).code, 'unauthorized');
  });
});
