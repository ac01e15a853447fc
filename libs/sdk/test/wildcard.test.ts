import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { sleep } from './fake-server.js';
import { ack, client, closeClients, collector, fresh, message, reconnect, server, stopServer } from './harness.js';

afterEach(closeClients);
after(stopServer);

describe('wildcard subscriptions', { timeout: 10_000 }, () => {
  it('delivers wildcard messages with the concrete topic and resubscribes them without since', async () => {
    await fresh();
    const c = client();
    await c.connect();
    let conn = await server.nextConnection();
    const star = collector(2);
    const tail = collector(3);
    c.subscribe('chat.*', star.handler);
    c.subscribe('chat.>', tail.handler);
    ack(conn, await conn.next('subscribe'), null, null);
    ack(conn, await conn.next('subscribe'), null, null);
    message(conn, 'chat.a', 5, 'a');
    message(conn, 'chat.a', 5, 'a');
    message(conn, 'chat.a.typing', 1, 'typing');
    message(conn, 'chat.b', 9, 'b');
    message(conn, 'chat.b', 9, 'b');
    await Promise.all([star.all, tail.all]);
    assert.deepEqual(
      star.got.map((m) => `${m.topic}=${String(m.data)}`),
      ['chat.a=a', 'chat.b=b'],
    );
    assert.deepEqual(
      tail.got.map((m) => m.topic),
      ['chat.a', 'chat.a.typing', 'chat.b'],
    );
    conn = await reconnect(c, conn);
    const again = [await conn.next('subscribe'), await conn.next('subscribe')];
    assert.deepEqual(
      again.map((f) => [f.topic, f.since]),
      [
        ['chat.*', undefined],
        ['chat.>', undefined],
      ],
    );
  });

  it('delivers once to a topic and an overlapping pattern though the server sends two copies', async () => {
    await fresh();
    const c = client();
    await c.connect();
    const conn = await server.nextConnection();
    const exact = collector(2);
    const pattern = collector(2);
    c.subscribe('chat.a', exact.handler);
    c.subscribe('chat.*', pattern.handler);
    ack(conn, await conn.next('subscribe'), 0, 'e');
    ack(conn, await conn.next('subscribe'), null, null);
    for (const offset of [1, 1, 2, 2]) message(conn, 'chat.a', offset, offset);
    await Promise.all([exact.all, pattern.all]);
    await sleep(20);
    assert.deepEqual(
      exact.got.map((m) => m.data),
      [1, 2],
    );
    assert.deepEqual(
      pattern.got.map((m) => m.data),
      [1, 2],
    );
  });
});
