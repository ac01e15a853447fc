import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { WsTestClient } from '@switchboard/testkit';
import { closedWithin, framesOf, sleep, T, TestServer } from './support.js';

/** The TCP socket under a test client (to stop reading from it). */
const socketOf = (client: WsTestClient) => (client.ws as unknown as { _socket: Socket })._socket;

describe('limit: MAX_MESSAGE_BYTES', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ MAX_MESSAGE_BYTES: '1024' });
  });
  after(() => server.close());

  it('accepts a frame at the limit and closes with 1009 on a bigger one', T, async () => {
    const client = await server.client();
    const envelope = JSON.stringify({ op: 'publish', id: 1, topic: 'big.t', data: '' });
    const fits = { op: 'publish', id: 1, topic: 'big.t', data: 'x'.repeat(1024 - envelope.length) };
    assert.equal(Buffer.byteLength(JSON.stringify(fits)), 1024);
    assert.equal((await client.request(fits)).op, 'ack');
    client.send({ op: 'publish', id: 2, topic: 'big.t', data: 'x'.repeat(1024) });
    assert.equal((await closedWithin(client)).code, 1009);
    assert.equal((await server.node.history?.tip('big.t'))?.offset, 1, 'the oversized message was not published');
  });
});

describe('limit: MAX_SUBSCRIPTIONS', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ MAX_SUBSCRIPTIONS: '2' });
  });
  after(() => server.close());

  it('refuses one subscription too many with too_many_subscriptions, and frees a slot on unsubscribe', T, async () => {
    const client = await server.client();
    assert.equal((await client.request({ op: 'subscribe', id: 1, topic: 'subs.a' })).op, 'ack');
    assert.equal((await client.request({ op: 'subscribe', id: 2, topic: 'subs.*' })).op, 'ack');
    assert.equal((await client.request({ op: 'subscribe', id: 3, topic: 'subs.a' })).op, 'ack', 'a duplicate takes no slot');
    const refused = await client.request({ op: 'subscribe', id: 4, topic: 'subs.c' });
    assert.equal(refused.op, 'error');
    assert.equal(refused.code, 'too_many_subscriptions');
    assert.equal(typeof refused.message, 'string');
    assert.equal(server.node.edge.registry.subscribersOf('subs.c').size, 0);
    await client.request({ op: 'unsubscribe', id: 5, topic: 'subs.a' });
    assert.equal((await client.request({ op: 'subscribe', id: 6, topic: 'subs.c' })).op, 'ack');
    assert.equal(client.ws.readyState, client.ws.OPEN);
  });
});

describe('limit: MESSAGE_RATE_LIMIT / MESSAGE_RATE_BURST', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ MESSAGE_RATE_LIMIT: '1', MESSAGE_RATE_BURST: '3' });
  });
  after(() => server.close());

  it('answers the frame over the burst with rate_limited, then closes with 4029', T, async () => {
    const client = await server.client();
    for (let id = 1; id <= 3; id++) assert.equal((await client.request({ op: 'subscribe', id, topic: `rate.t${id}` })).op, 'ack');
    client.send({ op: 'subscribe', id: 4, topic: 'rate.t4' });
    const closed = await closedWithin(client);
    assert.equal(closed.code, 4029);
    const errors = framesOf(client, 'error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.code, 'rate_limited');
    assert.ok(client.frames.indexOf(errors[0] as never) === client.frames.length - 1, 'the error is the last frame');
    assert.equal(server.node.edge.registry.subscribersOf('rate.t4').size, 0);
    assert.equal(server.node.edge.stats.rateLimitCloses, 1);
  });

  it('lets a client within its rate go on', T, async () => {
    const client = await server.client();
    for (let id = 1; id <= 3; id++) assert.equal((await client.request({ op: 'subscribe', id, topic: `rate.ok${id}` })).op, 'ack');
    await sleep(1100);
    assert.equal((await client.request({ op: 'subscribe', id: 4, topic: 'rate.ok4' })).op, 'ack');
    assert.equal(client.ws.readyState, client.ws.OPEN);
  });
});

describe('limit: MAX_SEND_BUFFER_BYTES (slow consumer)', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ MAX_SEND_BUFFER_BYTES: '65536' });
  });
  after(() => server.close());

  it('cuts a client that stops reading with 4008, while a reading client gets every message', { timeout: 15_000 }, async () => {
    const slow = await server.client();
    const good = await server.client();
    await slow.request({ op: 'subscribe', id: 1, topic: 'flood' });
    await good.request({ op: 'subscribe', id: 1, topic: 'flood' });
    socketOf(slow).pause();
    const payload = 'x'.repeat(32_000);
    const { stats } = server.node.edge;
    let sent = 0;
    // Until the kernel buffers between the two fill up and the server's own queue passes the limit.
    while (stats.slowConsumerCloses === 0) {
      assert.ok(sent < 4000, 'the slow consumer was never cut');
      await server.publish('flood', { n: sent, payload });
      sent++;
      await new Promise((r) => setImmediate(r)); // lets the good client read
    }
    for (let i = 0; i < 5; i++) await server.publish('flood', { n: sent++, payload });
    socketOf(slow).resume();
    const closed = await closedWithin(slow);
    assert.deepEqual(closed, { code: 4008, reason: 'slow consumer' });
    assert.equal(stats.slowConsumerCloses, 1);
    assert.ok(slow.messages().length < sent, 'the slow client did not get everything');
    const received = await good.collect((f) => f.op === 'message', sent, 8000);
    assert.deepEqual(
      received.map((f) => (f.data as { n: number }).n),
      Array.from({ length: sent }, (_, i) => i),
    );
    assert.equal(good.ws.readyState, good.ws.OPEN);
  });
});

describe('limit: HEARTBEAT_MS', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ HEARTBEAT_MS: '200' });
  });
  after(() => server.close());

  it('closes a client that never answers with 4008 and keeps one that answers pong', T, async () => {
    const started = Date.now();
    const silent = await server.client();
    const alive = await server.client();
    alive.ws.on('message', (data) => {
      if (JSON.parse(data.toString()).op === 'ping') alive.send({ op: 'pong' });
    });
    assert.equal(silent.frames[0]?.heartbeat, 200);
    const closed = await closedWithin(silent, 2000);
    assert.deepEqual(closed, { code: 4008, reason: 'heartbeat timeout' });
    const took = Date.now() - started;
    assert.ok(took >= 190 && took <= 1000, `cut after ${took} ms, not within one to two intervals`);
    assert.ok(framesOf(silent, 'ping').length >= 1, 'the silent client was pinged first');
    await sleep(1000);
    assert.equal(alive.ws.readyState, alive.ws.OPEN);
    assert.ok(framesOf(alive, 'ping').length >= 4, `pings every interval (${framesOf(alive, 'ping').length})`);
    assert.equal(server.node.edge.stats.heartbeatCloses, 1);
  });
});

describe('limit: MAX_CONNECTIONS', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ MAX_CONNECTIONS: '2' });
  });
  after(() => server.close());

  it('refuses the upgrade with 503 when full, and accepts again once a client left', T, async () => {
    const first = await server.client();
    await server.client();
    await assert.rejects(server.client(), /upgrade refused: 503/);
    first.close();
    await server.until(() => server.node.edge.sessions.size === 1, 'the server to see the close');
    const again = await server.client();
    assert.equal(again.ws.readyState, again.ws.OPEN);
  });
});

describe('limit: CLIENT_PUBLISH=false', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ CLIENT_PUBLISH: 'false' });
  });
  after(() => server.close());

  it('refuses a client publish with forbidden and publishes nothing', T, async () => {
    const client = await server.client();
    await client.request({ op: 'subscribe', id: 1, topic: 'ro.t' });
    const refused = await client.request({ op: 'publish', id: 2, topic: 'ro.t', data: 'x' });
    assert.equal(refused.op, 'error');
    assert.equal(refused.id, 2);
    assert.equal(refused.code, 'forbidden');
    assert.equal((await server.node.history?.tip('ro.t'))?.offset, 0);
    await server.publish('ro.t', 'from the backend');
    assert.deepEqual((await client.next((f) => f.op === 'message')).data, 'from the backend');
    assert.equal(client.messages().length, 1);
    assert.equal(client.ws.readyState, client.ws.OPEN);
  });
});
