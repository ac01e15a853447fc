import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import type { RecoveredEvent } from '../src/index.js';
import { once, sleep } from './fake-server.js';
import { ack, client, closeClients, collector, fresh, message, reconnect, server, stopServer } from './harness.js';

afterEach(closeClients);
after(stopServer);

describe('recovery', { timeout: 10_000 }, () => {
  it('resubscribes with since = last offset and epoch, and drops duplicates', async () => {
    await fresh();
    const c = client();
    await c.connect();
    const col = collector(5);
    c.subscribe('t', col.handler);
    let conn = await server.nextConnection();
    ack(conn, await conn.next('subscribe'), 10, 'e1');
    message(conn, 't', 11, 'a');
    message(conn, 't', 12, 'b');
    message(conn, 't', 12, 'dup');
    message(conn, 't', 9, 'old');
    await sleep(30);
    conn = await reconnect(c, conn);
    const req = await conn.next('subscribe');
    assert.deepEqual(req.since, { offset: 12, epoch: 'e1' });
    ack(conn, req, 14, 'e1', true);
    message(conn, 't', 12, 'dup-replay');
    message(conn, 't', 13, 'c');
    message(conn, 't', 14, 'd');
    message(conn, 't', 15, 'e');
    await col.all;
    assert.deepEqual(
      col.got.map((m) => m.data),
      ['a', 'b', 'c', 'd', 'e'],
    );
  });

  it('resumes from the ack offset when nothing was delivered yet', async () => {
    await fresh();
    const c = client();
    await c.connect();
    c.subscribe('t', () => undefined);
    let conn = await server.nextConnection();
    ack(conn, await conn.next('subscribe'), 7, 'e1');
    await sleep(20);
    conn = await reconnect(c, conn);
    assert.deepEqual((await conn.next('subscribe')).since, { offset: 7, epoch: 'e1' });
  });

  it('emits recovered events and calls onRecoveryGap when the gap was not covered', async () => {
    await fresh();
    const c = client();
    await c.connect();
    const events: RecoveredEvent[] = [];
    const gaps: RecoveredEvent[] = [];
    c.on('recovered', (e) => events.push(e));
    c.subscribe('t', () => undefined, { onRecoveryGap: (e) => gaps.push(e) });
    let conn = await server.nextConnection();
    ack(conn, await conn.next('subscribe'), 5, 'e1');
    await sleep(20);
    assert.deepEqual(events, [], 'no recovered event for a first subscribe');
    conn = await reconnect(c, conn);
    ack(conn, await conn.next('subscribe'), 9, 'e1', true);
    await sleep(20);
    conn = await reconnect(c, conn);
    const recoveredEvent = once<RecoveredEvent>((l) => c.on('recovered', l));
    ack(conn, await conn.next('subscribe'), 500, 'e1', false);
    await recoveredEvent;
    assert.deepEqual(events, [
      { topic: 't', recovered: true },
      { topic: 't', recovered: false },
    ]);
    assert.deepEqual(gaps, [{ topic: 't', recovered: false }]);
  });

  it('accepts messages of a new epoch from its start', async () => {
    await fresh();
    const c = client();
    await c.connect();
    const col = collector(4);
    c.subscribe('t', col.handler);
    let conn = await server.nextConnection();
    ack(conn, await conn.next('subscribe'), 50, 'e1');
    message(conn, 't', 51, 'old-51');
    await sleep(20);
    conn = await reconnect(c, conn);
    const req = await conn.next('subscribe');
    assert.deepEqual(req.since, { offset: 51, epoch: 'e1' });
    ack(conn, req, 2, 'e2', false);
    message(conn, 't', 1, 'new-1');
    message(conn, 't', 2, 'new-2');
    message(conn, 't', 3, 'new-3');
    await col.all;
    assert.deepEqual(
      col.got.map((m) => m.data),
      ['old-51', 'new-1', 'new-2', 'new-3'],
    );
    conn = await reconnect(c, conn);
    assert.deepEqual((await conn.next('subscribe')).since, { offset: 3, epoch: 'e2' });
  });

  it('treats offset 1 after a higher offset as a restarted sequence', async () => {
    await fresh();
    const c = client();
    await c.connect();
    const col = collector(3);
    c.subscribe('t', col.handler);
    let conn = await server.nextConnection();
    ack(conn, await conn.next('subscribe'), 50, 'e1');
    message(conn, 't', 51, 'a');
    message(conn, 't', 1, 'restart-1');
    message(conn, 't', 2, 'restart-2');
    await col.all;
    conn = await reconnect(c, conn);
    assert.deepEqual((await conn.next('subscribe')).since, { offset: 2 }, 'epoch unknown: offset only');
  });

  it('keeps the epoch an empty topic reported: it is the one its first messages get', async () => {
    await fresh();
    const c = client();
    await c.connect();
    const col = collector(2);
    c.subscribe('t', col.handler);
    let conn = await server.nextConnection();
    ack(conn, await conn.next('subscribe'), 0, 'store-0');
    message(conn, 't', 1, 'a');
    message(conn, 't', 2, 'b');
    await col.all;
    conn = await reconnect(c, conn);
    assert.deepEqual((await conn.next('subscribe')).since, { offset: 2, epoch: 'store-0' });
  });
});

describe('subscribe option since', { timeout: 10_000 }, () => {
  it('sends the first subscribe with since, drops what it covers, and keeps recovering from there', async () => {
    await fresh();
    const c = client();
    await c.connect();
    const col = collector(2);
    c.subscribe('t', col.handler, { since: 40 });
    c.subscribe('t', () => undefined, { since: 1 }); // shares the server subscription: ignored
    c.subscribe('p.*', () => undefined, { since: 3 }); // patterns are live-only: ignored
    let conn = await server.nextConnection();
    const first = await conn.next('subscribe');
    assert.deepEqual(first.since, { offset: 40 });
    const pattern = await conn.next('subscribe');
    assert.equal(pattern.topic, 'p.*');
    assert.equal(pattern.since, undefined);
    ack(conn, first, 42, 'e1', true);
    message(conn, 't', 40, 'covered');
    message(conn, 't', 41, 'a');
    message(conn, 't', 42, 'b');
    await col.all;
    assert.deepEqual(
      col.got.map((m) => m.data),
      ['a', 'b'],
    );
    conn = await reconnect(c, conn);
    assert.deepEqual((await conn.next('subscribe')).since, { offset: 42, epoch: 'e1' });
  });

  it('takes a position with an epoch', async () => {
    await fresh();
    const c = client();
    await c.connect();
    c.subscribe('t', () => undefined, { since: { offset: 7, epoch: 'e9' } });
    const conn = await server.nextConnection();
    assert.deepEqual((await conn.next('subscribe')).since, { offset: 7, epoch: 'e9' });
  });
});
