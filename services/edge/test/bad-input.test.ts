import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WsTestClient } from '@switchboard/testkit';
import { closedWithin, T, TestServer } from './support.js';

describe('bad client input', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
  });
  after(() => server.close());

  /** The connection still works: a valid request after the bad ones is answered. */
  const assertStillOpen = async (client: WsTestClient) => {
    assert.equal((await client.request({ op: 'subscribe', id: 999, topic: 'still.open' })).op, 'ack');
  };

  describe('protocol errors close with 4400', () => {
    for (const [name, text] of [
      ['not JSON', 'hello'],
      ['truncated JSON', '{"op":"subscribe"'],
      ['an unknown op', '{"op":"dance","id":1}'],
      ['no op', '{"id":1,"topic":"a"}'],
      ['a non-string op', '{"op":7}'],
      ['a JSON array', '[{"op":"subscribe","topic":"a"}]'],
      ['a JSON number', '42'],
      ['a JSON string', '"subscribe"'],
      ['JSON null', 'null'],
    ] as const) {
      it(`on ${name}`, T, async () => {
        const client = await server.client();
        const errorsBefore = server.node.edge.stats.protocolErrors;
        client.send(text);
        const closed = await closedWithin(client);
        assert.equal(closed.code, 4400);
        assert.ok(closed.reason.length > 0, 'the reason says what was wrong');
        assert.equal(server.node.edge.stats.protocolErrors, errorsBefore + 1);
      });
    }

    it('on a binary frame', T, async () => {
      const client = await server.client();
      client.ws.send(Buffer.from('{"op":"subscribe","id":1,"topic":"a"}'), { binary: true });
      assert.equal((await closedWithin(client)).code, 4400);
      assert.equal(client.frames.length, 1, 'nothing but the welcome');
    });
  });

  it('a text frame that is not UTF-8 is closed with 1007 by the WebSocket layer', T, async () => {
    const client = await server.client();
    client.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    assert.equal((await closedWithin(client)).code, 1007);
  });

  describe('refused requests get an error frame with the id and keep the connection', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['subscribe to a topic with a space', { op: 'subscribe', topic: 'bad topic' }, 'bad_topic'],
      ['subscribe to an empty topic', { op: 'subscribe', topic: '' }, 'bad_topic'],
      ['subscribe to an empty token', { op: 'subscribe', topic: 'a..b' }, 'bad_topic'],
      ['subscribe to a topic over 255 bytes', { op: 'subscribe', topic: 'a'.repeat(256) }, 'bad_topic'],
      ['subscribe with `>` not last', { op: 'subscribe', topic: '>.a' }, 'bad_topic'],
      ['subscribe with a partial wildcard token', { op: 'subscribe', topic: 'a.b*' }, 'bad_topic'],
      ['unsubscribe from a bad topic', { op: 'unsubscribe', topic: 'a/b' }, 'bad_topic'],
      ['publish to a `*` wildcard', { op: 'publish', topic: 'a.*', data: 1 }, 'bad_topic'],
      ['publish to a `>` wildcard', { op: 'publish', topic: 'a.>', data: 1 }, 'bad_topic'],
      ['publish to a bad topic', { op: 'publish', topic: 'é', data: 1 }, 'bad_topic'],
      ['subscribe without topic', { op: 'subscribe' }, 'bad_request'],
      ['subscribe with a numeric topic', { op: 'subscribe', topic: 42 }, 'bad_request'],
      ['unsubscribe without topic', { op: 'unsubscribe' }, 'bad_request'],
      ['publish without topic', { op: 'publish', data: 1 }, 'bad_request'],
      ['publish without data', { op: 'publish', topic: 'a' }, 'bad_request'],
      ['since that is not an object', { op: 'subscribe', topic: 'a', since: 'yesterday' }, 'bad_request'],
      ['since with a negative offset', { op: 'subscribe', topic: 'a', since: { offset: -1 } }, 'bad_request'],
      ['since with a fractional offset', { op: 'subscribe', topic: 'a', since: { offset: 1.5 } }, 'bad_request'],
      ['since with a string offset', { op: 'subscribe', topic: 'a', since: { offset: '3', epoch: 'e' } }, 'bad_request'],
      ['since without offset', { op: 'subscribe', topic: 'a', since: { epoch: 'e' } }, 'bad_request'],
      ['since with a numeric epoch', { op: 'subscribe', topic: 'a', since: { offset: 1, epoch: 5 } }, 'bad_request'],
      ['connect without token', { op: 'connect' }, 'bad_request'],
      ['refresh with an empty token', { op: 'refresh', token: '' }, 'bad_request'],
    ];
    for (const [name, frame, code] of cases) {
      it(`${name} -> ${code}`, T, async () => {
        const client = await server.client();
        const error = await client.request({ ...frame, id: 17 });
        assert.deepEqual(Object.keys(error).sort(), ['code', 'id', 'message', 'op']);
        assert.equal(error.op, 'error');
        assert.equal(error.id, 17);
        assert.equal(error.code, code);
        assert.equal(typeof error.message, 'string');
        await assertStillOpen(client);
      });
    }

    it('a non-numeric id -> bad_request without an id', T, async () => {
      const client = await server.client();
      for (const id of ['1', true, { n: 1 }, [1]]) {
        client.send({ op: 'subscribe', id, topic: 'ids.bad' });
        const error = await client.next((f) => f.op === 'error');
        assert.equal(error.code, 'bad_request');
        assert.equal('id' in error, false);
      }
      assert.equal(server.node.edge.registry.subscribersOf('ids.bad').size, 0, 'the request was not carried out');
      await assertStillOpen(client);
    });

    it('a refused subscribe does not subscribe, and a refused publish publishes nothing', T, async () => {
      const client = await server.client();
      await client.request({ op: 'subscribe', id: 1, topic: 'a.b', since: { offset: -1 } });
      assert.equal(server.node.edge.registry.subscribersOf('a.b').size, 0);
      await client.request({ op: 'publish', id: 2, topic: 'a.b' });
      assert.equal((await server.node.history?.tip('a.b'))?.offset, 0);
    });
  });
});
