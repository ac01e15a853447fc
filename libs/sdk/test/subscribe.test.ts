import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { createClient, SwitchboardError } from '../src/index.js';
import { sleep } from './fake-server.js';
import { ack, client, clients, closeClients, collector, fresh, message, reconnect, server, stopServer } from './harness.js';

afterEach(closeClients);
after(stopServer);

describe('subscriptions', { timeout: 10_000 }, () => {
  it('queues a subscribe made while disconnected and resolves ready with the ack', async () => {
    await fresh();
    const c = client();
    const col = collector(2);
    const sub = c.subscribe('chat.room-1', col.handler);
    assert.equal(sub.topic, 'chat.room-1');
    void c.connect();
    const conn = await server.nextConnection();
    const req = await conn.next('subscribe');
    assert.deepEqual(req, { op: 'subscribe', id: req.id, topic: 'chat.room-1' });
    assert.equal(typeof req.id, 'number');
    ack(conn, req, 41, 'e1');
    assert.deepEqual(await sub.ready, { topic: 'chat.room-1', offset: 41, epoch: 'e1', recovered: null });
    message(conn, 'chat.room-1', 42, { text: 'hi' });
    message(conn, 'chat.room-1', 43, [1, 2]);
    await col.all;
    assert.deepEqual(col.got, [
      { topic: 'chat.room-1', offset: 42, data: { text: 'hi' } },
      { topic: 'chat.room-1', offset: 43, data: [1, 2] },
    ]);
  });

  it('rejects ready with `unsubscribed` when unsubscribed before the ack, and resolves it otherwise', async () => {
    await fresh();
    const c = client();
    const early = c.subscribe('early', () => undefined);
    early.unsubscribe();
    await assert.rejects(early.ready, (err: unknown) => err instanceof SwitchboardError && err.code === 'unsubscribed');
    await c.connect();
    const conn = await server.nextConnection();
    const late = c.subscribe('late', () => undefined);
    const req = await conn.next('subscribe');
    ack(conn, req, 0, 'e1');
    assert.equal((await late.ready).topic, 'late');
    late.unsubscribe();
    assert.equal((await late.ready).topic, 'late', 'an acknowledged subscription keeps its resolved ready');
  });

  it('uses incrementing request ids', async () => {
    await fresh();
    const c = client();
    await c.connect();
    c.subscribe('a', () => undefined);
    c.subscribe('b', () => undefined);
    const conn = await server.nextConnection();
    const a = await conn.next('subscribe');
    const b = await conn.next('subscribe');
    assert.equal(b.id, (a.id as number) + 1);
  });

  it('shares one server subscription between local subscriptions (ref-count)', async () => {
    await fresh();
    const c = client();
    await c.connect();
    const conn = await server.nextConnection();
    const one = collector(2);
    const two = collector(1);
    const s1 = c.subscribe('t', one.handler);
    const s2 = c.subscribe('t', two.handler);
    const req = await conn.next('subscribe');
    ack(conn, req, 0, 'e1');
    assert.equal((await s1.ready).offset, 0);
    assert.equal((await s2.ready).offset, 0);
    const s3 = c.subscribe('t', () => undefined);
    assert.equal((await s3.ready).epoch, 'e1', 'a later local subscription resolves from the existing ack');
    message(conn, 't', 1, 'x');
    await two.all;
    s2.unsubscribe();
    s3.unsubscribe();
    assert.equal(s2.active, false);
    message(conn, 't', 2, 'y');
    await one.all;
    assert.deepEqual(
      two.got.map((m) => m.data),
      ['x'],
    );
    s1.unsubscribe();
    const unsub = await conn.next('unsubscribe');
    assert.deepEqual(unsub, { op: 'unsubscribe', id: unsub.id, topic: 't' });
    assert.equal(conn.received.filter((f) => f.op === 'subscribe').length, 1);
  });

  it('does not resubscribe after the last unsubscribe', async () => {
    await fresh();
    const c = client();
    await c.connect();
    let conn = await server.nextConnection();
    c.subscribe('gone', () => undefined).unsubscribe();
    c.subscribe('kept', () => undefined);
    ack(conn, await conn.next('subscribe'), 0, 'e');
    conn = await reconnect(c, conn);
    const req = await conn.next('subscribe');
    assert.equal(req.topic, 'kept');
    await sleep(30);
    assert.equal(conn.received.filter((f) => f.op === 'subscribe').length, 1);
  });

  it('rejects ready and emits an error when the server refuses', async () => {
    await fresh();
    const c = client();
    await c.connect();
    const conn = await server.nextConnection();
    const errors: SwitchboardError[] = [];
    c.on('error', (e) => errors.push(e));
    let onError: SwitchboardError | null = null;
    const sub = c.subscribe('secret', () => undefined, { onError: (e) => (onError = e) });
    const req = await conn.next('subscribe');
    conn.send({ op: 'error', id: req.id, code: 'forbidden', message: 'not allowed' });
    await assert.rejects(
      sub.ready,
      (err: unknown) => err instanceof SwitchboardError && err.code === 'forbidden' && err.topic === 'secret',
    );
    assert.equal(sub.active, false);
    assert.equal((onError as SwitchboardError | null)?.code, 'forbidden');
    assert.deepEqual(
      errors.map((e) => e.code),
      ['forbidden'],
    );
  });

  it('ignores messages for topics it is not subscribed to', async () => {
    await fresh();
    const c = client();
    await c.connect();
    const conn = await server.nextConnection();
    const col = collector(1);
    c.subscribe('a', col.handler);
    ack(conn, await conn.next('subscribe'), 0, 'e');
    message(conn, 'b', 1, 'not mine');
    message(conn, 'a', 1, 'mine');
    await col.all;
    assert.deepEqual(
      col.got.map((m) => m.data),
      ['mine'],
    );
  });

  it('keeps delivering when a handler or listener throws, reporting to onCallbackError', async () => {
    await fresh();
    const thrown: unknown[] = [];
    const c = createClient({ url: server.url, WebSocket, onCallbackError: (err) => thrown.push(err) });
    clients.push(c);
    c.on('connected', () => {
      throw new Error('listener bug');
    });
    await c.connect();
    const conn = await server.nextConnection();
    const col = collector(2);
    c.subscribe('a', () => {
      throw new Error('handler bug');
    });
    c.subscribe('a', col.handler);
    ack(conn, await conn.next('subscribe'), 0, 'e');
    message(conn, 'a', 1, 1);
    message(conn, 'a', 2, 2);
    await col.all;
    assert.deepEqual(
      thrown.map((e) => (e as Error).message),
      ['listener bug', 'handler bug', 'handler bug'],
    );
  });
});
