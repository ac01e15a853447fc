import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@switchboard/sdk';
import type { Frame, WsTestClient } from '@switchboard/testkit';
import { WebSocket } from 'ws';
import { closedWithin, framesOf, sleep, T, TestServer } from './support.js';
import { nowSeconds, SECRET, token } from './tokens.js';

const AUTH = { AUTH_JWT_SECRET: SECRET, AUTH_TIMEOUT_MS: '600', AUTH_EXPIRY_GRACE_MS: '0' };

/** alice: may read chat.*, user.alice.>, news; may publish to chat.room-1 and user.alice.> */
const ALICE = { sub: 'alice', subscribe: ['chat.*', 'user.{sub}.>', 'news'], publish: ['chat.room-1', 'user.{sub}.>'] };

/** Opens a socket without waiting for `welcome`. */
async function open(server: TestServer, path = '/ws'): Promise<WsTestClient> {
  return server.client({ welcome: false, path });
}

/** Opens a socket, sends `connect` with `jwt` and waits for `welcome`. */
async function connected(server: TestServer, jwt: string): Promise<WsTestClient> {
  const client = await open(server);
  client.send({ op: 'connect', token: jwt });
  await client.next((f) => f.op === 'welcome');
  return client;
}

const noWelcome = (client: WsTestClient) => assert.equal(framesOf(client, 'welcome').length, 0, 'no welcome was sent');

describe('auth: connect', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start(AUTH);
  });
  after(() => server.close());

  it('sends welcome only after a valid connect; the session is the token sub', T, async () => {
    const client = await open(server);
    await sleep(100);
    noWelcome(client);
    client.send({ op: 'connect', token: await token(ALICE) });
    const welcome = await client.next((f) => f.op === 'welcome');
    assert.equal(welcome.node, 'edge-test');
    const session = [...server.node.edge.sessions].find((s) => s.id === welcome.session);
    assert.equal(session?.user, 'alice');
    assert.equal((await client.request({ op: 'subscribe', id: 1, topic: 'user.alice.inbox' })).op, 'ack');
    assert.equal((await client.request({ op: 'publish', id: 2, topic: 'user.alice.inbox', data: 'hi' })).op, 'ack');
    const message = await client.next((f) => f.op === 'message');
    assert.deepEqual([message.topic, message.data], ['user.alice.inbox', 'hi']);
  });

  it('a pipelined request right behind connect is handled after welcome, with the token permissions', T, async () => {
    const client = await open(server);
    client.send({ op: 'connect', token: await token(ALICE) });
    client.send({ op: 'subscribe', id: 1, topic: 'chat.room-1' });
    client.send({ op: 'subscribe', id: 2, topic: 'secret.x' });
    const ok = await client.find((f) => f.id === 1);
    const refused = await client.find((f) => f.id === 2);
    assert.equal(ok.op, 'ack');
    assert.deepEqual([refused.op, refused.code], ['error', 'forbidden']);
    assert.ok(client.frames.indexOf(ok) > client.frames.findIndex((f) => f.op === 'welcome'), 'the ack follows welcome');
  });

  it('closes with 4001 when no connect arrives within AUTH_TIMEOUT_MS', T, async () => {
    const started = Date.now();
    const client = await open(server);
    const closed = await closedWithin(client, 3000);
    assert.equal(closed.code, 4001);
    assert.ok(Date.now() - started >= 550, `closed after ${Date.now() - started} ms`);
    noWelcome(client);
  });

  const BAD_TOKENS: ReadonlyArray<readonly [string, () => Promise<string>, RegExp]> = [
    ['signed with another secret', () => token(ALICE, `${SECRET}-other`), /bad signature/],
    ['expired', () => token({ ...ALICE, exp: nowSeconds() - 5 }), /expired/],
    ['without sub', () => token({ sub: undefined, subscribe: ['a'] }), /sub/],
    ['malformed', async () => 'abc.def.ghi', /malformed/],
  ];
  for (const [what, make, reason] of BAD_TOKENS) {
    it(`closes with 4001 on a connect with a token ${what}`, T, async () => {
      const client = await open(server);
      client.send({ op: 'connect', token: await make() });
      const closed = await closedWithin(client);
      assert.equal(closed.code, 4001);
      assert.match(closed.reason, reason);
      noWelcome(client);
    });
  }

  it('closes with 4003 when a valid token grants nothing', T, async () => {
    const client = await open(server);
    client.send({ op: 'connect', token: await token({ sub: 'nobody' }) });
    const closed = await closedWithin(client);
    assert.equal(closed.code, 4003);
    noWelcome(client);
    // A placeholder the sub cannot fill is dropped, which can leave nothing.
    const dotted = await open(server);
    dotted.send({ op: 'connect', token: await token({ sub: 'a.b', subscribe: ['user.{sub}.>'] }) });
    assert.equal((await closedWithin(dotted)).code, 4003);
  });

  it('accepts the token in the URL instead of a connect frame; a bad one closes with 4001', T, async () => {
    const client = await open(server, `/ws?token=${await token(ALICE)}`);
    await client.next((f) => f.op === 'welcome');
    assert.equal((await client.request({ op: 'subscribe', id: 1, topic: 'news' })).op, 'ack');
    const bad = await open(server, `/ws?token=${await token(ALICE, `${SECRET}-other`)}`);
    assert.equal((await closedWithin(bad)).code, 4001);
    noWelcome(bad);
  });

  it('the SDK connects with a token (connect frame) and receives', T, async () => {
    const jwt = await token(ALICE);
    const client = createClient({ url: `${server.node.url.replace('http', 'ws')}/ws`, WebSocket, token: jwt });
    try {
      await client.connect();
      const got: unknown[] = [];
      const sub = client.subscribe('chat.room-9', (m) => got.push(m.data));
      await sub.ready;
      await server.publish('chat.room-9', { n: 1 });
      await server.until(() => got.length === 1, 'the SDK message');
      assert.deepEqual(got, [{ n: 1 }]);
    } finally {
      client.close();
    }
  });
});

describe('auth: nothing succeeds without a token or a permission', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start(AUTH);
  });
  after(() => server.close());

  const FIRST_FRAMES: ReadonlyArray<Record<string, unknown>> = [
    { op: 'subscribe', id: 1, topic: 'open.t' },
    { op: 'subscribe', id: 1, topic: '>' },
    { op: 'unsubscribe', id: 1, topic: 'open.t' },
    { op: 'publish', id: 1, topic: 'open.t', data: 1 },
    { op: 'refresh', id: 1, token: 'x' },
    { op: 'pong' },
    { op: 'connect' },
    { op: 'connect', token: '' },
    { op: 'subscribe', id: 'x', topic: 'open.t' },
  ];
  for (const frame of FIRST_FRAMES) {
    it(`closes with 4001 on ${JSON.stringify(frame)} before connect`, T, async () => {
      const client = await open(server);
      client.send(frame);
      // A valid connect right behind must not rescue the connection.
      client.send({ op: 'connect', token: await token(ALICE) });
      const closed = await closedWithin(client);
      assert.equal(closed.code, 4001);
      noWelcome(client);
      assert.equal(client.frames.filter((f) => f.op === 'ack').length, 0);
    });
  }

  it('nothing subscribed or published by those attempts', T, async () => {
    assert.equal(server.node.edge.registry.subscribersOf('open.t').size, 0);
    assert.equal(server.node.edge.registry.subscribersOf('>').size, 0);
    assert.equal((await server.node.history?.tip('open.t'))?.offset, 0);
  });

  it('a token without permission for it: every subscribe and publish is forbidden, nothing happens, the connection stays', T, async () => {
    const client = await connected(server, await token({ sub: 'bob', subscribe: ['allowed.x', 'user.{sub}.*'], publish: ['allowed.x'] }));
    const topics = [
      '>',
      '*',
      '*.*',
      'allowed.>',
      'allowed.*',
      'allowed',
      'allowed.x.y',
      'other',
      'user.alice.inbox',
      'user.*.inbox',
      'user.bob.>',
      '$presence.users',
    ];
    let id = 0;
    for (const topic of topics) {
      const answer = await client.request({ op: 'subscribe', id: ++id, topic });
      assert.deepEqual([answer.op, answer.code], ['error', 'forbidden'], `subscribe ${topic}`);
      assert.equal(server.node.edge.registry.subscribersOf(topic).size, 0);
    }
    for (const topic of ['other', 'allowed.y', 'user.bob.inbox', 'allowed.x.y']) {
      const answer = await client.request({ op: 'publish', id: ++id, topic, data: 'nope' });
      assert.deepEqual([answer.op, answer.code], ['error', 'forbidden'], `publish ${topic}`);
      assert.equal((await server.node.history?.tip(topic))?.offset, 0, `nothing stored on ${topic}`);
    }
    // What it is allowed still works, on the same connection.
    assert.equal((await client.request({ op: 'subscribe', id: ++id, topic: 'allowed.x' })).op, 'ack');
    assert.equal((await client.request({ op: 'subscribe', id: ++id, topic: 'user.bob.inbox' })).op, 'ack');
    assert.equal((await client.request({ op: 'publish', id: ++id, topic: 'allowed.x', data: 'yes' })).op, 'ack');
    assert.equal(client.ws.readyState, client.ws.OPEN);
    assert.ok(server.node.edge.stats.forbidden >= topics.length + 4);
  });

  it('CLIENT_PUBLISH does not open publishing when auth is on: the token decides', T, async () => {
    const client = await connected(server, await token({ sub: 'reader', subscribe: ['a'] }));
    const answer = await client.request({ op: 'publish', id: 1, topic: 'a', data: 1 });
    assert.deepEqual([answer.op, answer.code], ['error', 'forbidden']);
  });
});

describe('auth: refresh and expiry', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ ...AUTH, HEARTBEAT_MS: '200' });
  });
  after(() => server.close());

  /** Answers every ping, so only the token decides when the connection ends. */
  const keepAlive = (client: WsTestClient) =>
    client.ws.on('message', (data) => {
      if ((JSON.parse(data.toString()) as Frame).op === 'ping') client.send({ op: 'pong' });
    });

  it('closes with 4001 "token expired" once exp (+ grace) has passed', T, async () => {
    const client = await connected(server, await token({ ...ALICE, exp: nowSeconds() + 1 }));
    keepAlive(client);
    const closed = await closedWithin(client, 3500);
    assert.deepEqual(closed, { code: 4001, reason: 'token expired' });
  });

  it('refresh with a token for the same sub: ack, new permissions and expiry', T, async () => {
    const client = await connected(server, await token({ ...ALICE, exp: nowSeconds() + 1 }));
    keepAlive(client);
    const before = await client.request({ op: 'subscribe', id: 1, topic: 'extra.t' });
    assert.equal(before.code, 'forbidden');
    const ack = await client.request({
      op: 'refresh',
      id: 2,
      token: await token({ ...ALICE, subscribe: ['extra.>'], exp: nowSeconds() + 60 }),
    });
    assert.deepEqual(ack, { op: 'ack', id: 2, offset: null });
    assert.equal((await client.request({ op: 'subscribe', id: 3, topic: 'extra.t' })).op, 'ack');
    const dropped = await client.request({ op: 'subscribe', id: 4, topic: 'news' });
    assert.equal(dropped.code, 'forbidden', 'the old token permissions are gone');
    await sleep(2000);
    assert.equal(client.ws.readyState, client.ws.OPEN, 'still open past the first token exp');
  });

  it('refresh for another sub or with an invalid token: error unauthorized, the connection stays on its token', T, async () => {
    const client = await connected(server, await token(ALICE));
    keepAlive(client);
    const other = await client.request({ op: 'refresh', id: 1, token: await token({ ...ALICE, sub: 'mallory' }) });
    assert.deepEqual([other.op, other.code], ['error', 'unauthorized']);
    const invalid = await client.request({ op: 'refresh', id: 2, token: await token(ALICE, 'x'.repeat(40)) });
    assert.deepEqual([invalid.op, invalid.code], ['error', 'unauthorized']);
    const expired = await client.request({ op: 'refresh', id: 3, token: await token({ ...ALICE, exp: nowSeconds() - 5 }) });
    assert.deepEqual([expired.op, expired.code], ['error', 'unauthorized']);
    assert.equal((await client.request({ op: 'subscribe', id: 4, topic: 'news' })).op, 'ack');
    const session = [...server.node.edge.sessions].find((s) => s.user === 'alice' && !s.closed);
    assert.ok(session !== undefined);
  });

  it('a refresh with a valid token that grants nothing closes with 4003', T, async () => {
    const client = await connected(server, await token(ALICE));
    keepAlive(client);
    client.send({ op: 'refresh', id: 1, token: await token({ sub: 'alice' }) });
    assert.equal((await closedWithin(client)).code, 4003);
  });

  it('keeps existing subscriptions that a refreshed token no longer allows (documented)', T, async () => {
    const client = await connected(server, await token(ALICE));
    keepAlive(client);
    assert.equal((await client.request({ op: 'subscribe', id: 1, topic: 'news' })).op, 'ack');
    assert.equal((await client.request({ op: 'refresh', id: 2, token: await token({ ...ALICE, subscribe: ['chat.*'] }) })).op, 'ack');
    await server.publish('news', 'still here');
    const message = await client.next((f) => f.op === 'message');
    assert.equal(message.data, 'still here');
  });
});

describe('auth: a refused refresh after exp', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ ...AUTH, AUTH_EXPIRY_GRACE_MS: '4000' });
  });
  after(() => server.close());

  it('closes with 4001 at once, without waiting for the grace', T, async () => {
    const client = await connected(server, await token({ ...ALICE, exp: nowSeconds() + 1 }));
    await sleep(1000 - (Date.now() % 1000) + 1100);
    assert.equal(client.ws.readyState, client.ws.OPEN, 'the grace keeps the session open past exp');
    const sent = Date.now();
    client.send({ op: 'refresh', id: 1, token: await token({ ...ALICE, sub: 'mallory' }) });
    const closed = await closedWithin(client, 3000);
    assert.deepEqual(closed, { code: 4001, reason: 'token expired' });
    assert.ok(Date.now() - sent < 1000);
  });
});

describe('auth off', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ CLIENT_PUBLISH: 'false' });
  });
  after(() => server.close());

  it('welcome on open, connect ignored, refresh acked, CLIENT_PUBLISH=false still forbids publishing', T, async () => {
    const client = await server.client();
    client.send({ op: 'connect', token: 'anything' });
    assert.deepEqual(await client.request({ op: 'refresh', id: 1, token: 'x' }), { op: 'ack', id: 1, offset: null });
    assert.equal((await client.request({ op: 'subscribe', id: 2, topic: '>' })).op, 'ack');
    const refused = await client.request({ op: 'publish', id: 3, topic: 'a', data: 1 });
    assert.deepEqual([refused.op, refused.code], ['error', 'forbidden']);
  });
});
