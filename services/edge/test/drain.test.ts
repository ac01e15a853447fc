import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { closedWithin, T, TestServer } from './support.js';

const DRAIN_TIMEOUT_MS = 600;

describe('drain', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('asks every client to reconnect within the first half of the drain time, then closes the rest with 1001', T, async () => {
    server = await TestServer.start({ DRAIN_TIMEOUT_MS: String(DRAIN_TIMEOUT_MS) });
    const clients = await Promise.all(Array.from({ length: 10 }, () => (server as TestServer).client()));
    const started = Date.now();
    const stopped = server.node.stop();
    const reconnects = await Promise.all(clients.map((c) => c.next((f) => f.op === 'reconnect', 1000)));
    for (const frame of reconnects) {
      assert.deepEqual(Object.keys(frame).sort(), ['after', 'op']);
      assert.ok(Number.isInteger(frame.after), `after: ${frame.after}`);
      assert.ok((frame.after as number) >= 0 && (frame.after as number) <= DRAIN_TIMEOUT_MS / 2, `after: ${frame.after}`);
    }
    assert.ok(new Set(reconnects.map((f) => f.after)).size > 1, 'the delay is jittered per client');
    const closes = await Promise.all(clients.map((c) => closedWithin(c, DRAIN_TIMEOUT_MS + 2000)));
    const took = Date.now() - started;
    for (const closed of closes) assert.equal(closed.code, 1001);
    assert.ok(took >= DRAIN_TIMEOUT_MS - 20, `closed after ${took} ms, before the drain time`);
    await stopped;
    assert.equal(server.node.edge.sessions.size, 0);
  });

  it('finishes early once every client has left', T, async () => {
    server = await TestServer.start({ DRAIN_TIMEOUT_MS: '5000' });
    const clients = await Promise.all([server.client(), server.client()]);
    for (const client of clients) {
      client.ws.on('message', (data) => {
        if (JSON.parse(data.toString()).op === 'reconnect') client.ws.close(1000, 'bye');
      });
    }
    const started = Date.now();
    await server.node.edge.drain();
    const took = Date.now() - started;
    assert.ok(took < 2000, `drain took ${took} ms`);
    for (const client of clients) assert.equal((await closedWithin(client)).code, 1000);
  });

  it('refuses new connections with 503 while draining', T, async () => {
    server = await TestServer.start({ DRAIN_TIMEOUT_MS: '300' });
    const client = await server.client();
    const drained = server.node.edge.drain();
    await assert.rejects(server.client(), /upgrade refused: 503/);
    await client.next((f) => f.op === 'reconnect');
    assert.equal((await closedWithin(client, 2000)).code, 1001);
    await drained;
  });

  it('close() without drain closes every client with 1001 at once', T, async () => {
    server = await TestServer.start({ DRAIN_TIMEOUT_MS: '5000' });
    const client = await server.client();
    const started = Date.now();
    await server.node.close();
    assert.equal((await closedWithin(client)).code, 1001);
    assert.ok(Date.now() - started < 2000);
    assert.equal(client.frames.filter((f) => f.op === 'reconnect').length, 0);
  });
});

describe('drain notice', () => {
  it('reports not ready for DRAIN_NOTICE_MS before asking clients to reconnect', T, async () => {
    const server = await TestServer.start({ DRAIN_TIMEOUT_MS: '2000', DRAIN_NOTICE_MS: '400' });
    try {
      const client = await server.client();
      const started = Date.now();
      const drained = server.node.edge.drain();
      assert.equal((await fetch(`${server.url}/readyz`)).status, 503);
      const frame = await client.next((f) => f.op === 'reconnect', 2000);
      assert.ok(Date.now() - started >= 380, `reconnect sent after ${Date.now() - started} ms`);
      assert.ok((frame.after as number) <= (2000 - 400) / 2, `after: ${frame.after}`);
      client.ws.close(1000);
      await drained;
    } finally {
      await server.close();
    }
  });
});
