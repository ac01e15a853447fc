import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HistoryStore } from '@switchboard/history';
import type { WsTestClient } from '@switchboard/testkit';
import { T, TestServer } from './support.js';

/** The offsets of the `message` frames `client` got on `topic`, in arrival order. */
const offsetsOf = (client: WsTestClient, topic: string) => client.messages(topic).map((f) => f.offset);

describe('WebSocket session protocol', () => {
  let server: TestServer;
  let history: HistoryStore;
  before(async () => {
    server = await TestServer.start({ HISTORY_SIZE: '5', HEARTBEAT_MS: '30000' });
    assert.ok(server.node.history !== null);
    history = server.node.history;
  });
  after(() => server.close());

  describe('welcome', () => {
    it('is sent on open with session, node and heartbeat; sessions differ per connection', T, async () => {
      const a = await server.client();
      const b = await server.client();
      const welcome = a.frames[0];
      assert.deepEqual(Object.keys(welcome ?? {}).sort(), ['heartbeat', 'node', 'op', 'session']);
      assert.equal(welcome?.op, 'welcome');
      assert.equal(welcome?.node, 'edge-test');
      assert.equal(welcome?.heartbeat, 30000);
      assert.ok(typeof welcome?.session === 'string' && welcome.session.length > 0, 'a session id');
      assert.notEqual(b.frames[0]?.session, welcome?.session);
    });
  });

  describe('subscribe / unsubscribe', () => {
    it('acks a subscribe with the topic, its last offset and its epoch', T, async () => {
      const client = await server.client();
      const empty = await client.request({ op: 'subscribe', id: 1, topic: 'sub.empty' });
      assert.equal(empty.op, 'ack');
      assert.equal(empty.id, 1);
      assert.equal(empty.topic, 'sub.empty');
      assert.equal(empty.offset, 0);
      assert.equal(typeof empty.epoch, 'string');

      const first = await server.publish('sub.full', 'a');
      await server.publish('sub.full', 'b');
      const full = await client.request({ op: 'subscribe', id: 2, topic: 'sub.full' });
      assert.deepEqual(full, { op: 'ack', id: 2, topic: 'sub.full', offset: 2, epoch: first.epoch });
    });

    it('acks an unsubscribe and stops delivery of that topic only', T, async () => {
      const client = await server.client();
      await client.request({ op: 'subscribe', id: 1, topic: 'unsub.a' });
      await client.request({ op: 'subscribe', id: 2, topic: 'unsub.b' });
      const ack = await client.request({ op: 'unsubscribe', id: 3, topic: 'unsub.a' });
      assert.deepEqual(ack, { op: 'ack', id: 3, topic: 'unsub.a' });
      assert.equal(server.node.edge.registry.subscribersOf('unsub.a').size, 0);
      await server.publish('unsub.a', 'gone');
      await server.publish('unsub.b', 'barrier');
      // Same socket, in publish order: once the barrier is here, an `unsub.a` message would be too.
      await client.next((f) => f.op === 'message' && f.topic === 'unsub.b');
      assert.deepEqual(client.messages('unsub.a'), []);
    });

    it('acks an unsubscribe of a topic it does not hold', T, async () => {
      const client = await server.client();
      assert.deepEqual(await client.request({ op: 'unsubscribe', id: 9, topic: 'never.held' }), {
        op: 'ack',
        id: 9,
        topic: 'never.held',
      });
    });

    it('treats a duplicate subscribe as a no-op: same ack, one subscription, one delivery', T, async () => {
      const client = await server.client();
      const before = server.node.edge.stats.subscriptions;
      const first = await client.request({ op: 'subscribe', id: 1, topic: 'dup.t' });
      const second = await client.request({ op: 'subscribe', id: 2, topic: 'dup.t' });
      assert.deepEqual({ ...second, id: 1 }, first);
      assert.equal(server.node.edge.stats.subscriptions, before + 1);
      assert.equal(server.node.edge.registry.subscribersOf('dup.t').size, 1);
      await server.publish('dup.t', 'once');
      await server.publish('dup.t', 'barrier');
      await client.next((f) => f.op === 'message' && f.data === 'barrier');
      assert.deepEqual(
        client.messages('dup.t').map((f) => f.data),
        ['once', 'barrier'],
      );
    });

    it('echoes the id of every request, including 0 and fractions, and omits it when none was sent', T, async () => {
      const client = await server.client();
      assert.equal((await client.request({ op: 'subscribe', id: 0, topic: 'ids.t' })).id, 0);
      assert.equal((await client.request({ op: 'publish', id: 7.5, topic: 'ids.t', data: 1 })).id, 7.5);
      assert.equal((await client.request({ op: 'unsubscribe', id: -3, topic: 'ids.t' })).id, -3);
      const error = await client.request({ op: 'subscribe', id: 123456789, topic: 'bad topic' });
      assert.equal(error.op, 'error');
      client.send({ op: 'subscribe', topic: 'ids.noid' });
      const ack = await client.next((f) => f.op === 'ack' && f.topic === 'ids.noid');
      assert.equal('id' in ack, false);
    });
  });

  describe('publish and delivery', () => {
    it('acks a client publish with the offset and delivers the exact data to every subscriber', T, async () => {
      const publisher = await server.client();
      const subscriber = await server.client();
      await subscriber.request({ op: 'subscribe', id: 1, topic: 'pub.t' });
      await publisher.request({ op: 'subscribe', id: 1, topic: 'pub.t' });
      const data = { text: 'héllo', n: [1, 2.5, null], nested: { ok: true } };
      const ack = await publisher.request({ op: 'publish', id: 3, topic: 'pub.t', data });
      assert.equal(ack.op, 'ack');
      assert.equal(ack.offset, 1);
      assert.equal(typeof ack.epoch, 'string');
      const expected = { op: 'message', topic: 'pub.t', offset: 1, data };
      assert.deepEqual(await subscriber.next((f) => f.op === 'message'), expected);
      assert.deepEqual(await publisher.next((f) => f.op === 'message'), expected);
      assert.equal((await publisher.request({ op: 'publish', id: 4, topic: 'pub.t', data: null })).offset, 2);
      assert.deepEqual(await subscriber.next((f) => f.op === 'message'), { op: 'message', topic: 'pub.t', offset: 2, data: null });
    });

    it('delivers in publish order with increasing, gap-free offsets', T, async () => {
      const client = await server.client();
      await client.request({ op: 'subscribe', id: 1, topic: 'order.t' });
      for (let i = 0; i < 20; i++) await server.publish('order.t', i);
      const messages = await client.collect((f) => f.op === 'message', 20);
      assert.deepEqual(
        messages.map((f) => f.data),
        Array.from({ length: 20 }, (_, i) => i),
      );
      assert.deepEqual(
        messages.map((f) => f.offset),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });
  });

  describe('wildcards', () => {
    it('`*` matches exactly one token: live messages with the concrete topic; ack offset and epoch null', T, async () => {
      const client = await server.client();
      await server.publish('wild.before', 'old');
      const ack = await client.request({ op: 'subscribe', id: 1, topic: 'wild.*' });
      assert.deepEqual(ack, { op: 'ack', id: 1, topic: 'wild.*', offset: null, epoch: null });
      await server.publish('wild.a.deep', 'not matched');
      await server.publish('wild', 'not matched either');
      await server.publish('wild.b', 'matched');
      const message = await client.next((f) => f.op === 'message');
      assert.deepEqual(message, { op: 'message', topic: 'wild.b', offset: 1, data: 'matched' });
      assert.equal(client.messages().length, 1, 'no history for wildcards, and only one-token matches');
    });

    it('`>` matches one or more trailing tokens', T, async () => {
      const client = await server.client();
      const ack = await client.request({ op: 'subscribe', id: 1, topic: 'tail.>' });
      assert.deepEqual(ack, { op: 'ack', id: 1, topic: 'tail.>', offset: null, epoch: null });
      await server.publish('tail', 'not matched');
      await server.publish('tail.x', 1);
      await server.publish('tail.x.y.z', 2);
      await server.publish('other.x', 'not matched');
      await server.publish('tail.end', 3);
      const messages = await client.collect((f) => f.op === 'message', 3);
      await server.publish('tail.barrier', 4);
      await client.find((f) => f.op === 'message' && f.data === 4);
      assert.deepEqual(
        messages.map((f) => [f.topic, f.data]),
        [
          ['tail.x', 1],
          ['tail.x.y.z', 2],
          ['tail.end', 3],
        ],
      );
      assert.equal(client.messages().length, 4);
    });

    it('ignores `since` on a wildcard subscription (live only)', T, async () => {
      await server.publish('wsince.a', 'old');
      const client = await server.client();
      const ack = await client.request({ op: 'subscribe', id: 1, topic: 'wsince.*', since: { offset: 0 } });
      assert.equal(ack.offset, null);
      await server.publish('wsince.a', 'new');
      assert.deepEqual((await client.next((f) => f.op === 'message')).data, 'new');
      assert.equal(client.messages().length, 1);
    });
  });

  describe('recovery with `since`', () => {
    it('replays what was missed, in order, with recovered:true, before newer live messages', T, async () => {
      const topic = 'rec.t';
      let epoch = '';
      for (let i = 1; i <= 4; i++) ({ epoch } = (await server.publish(topic, i)) as { epoch: string });
      const client = await server.client();
      const ack = await client.request({ op: 'subscribe', id: 1, topic, since: { offset: 2, epoch } });
      assert.deepEqual(ack, { op: 'ack', id: 1, topic, offset: 4, epoch, recovered: true });
      await client.collect((f) => f.op === 'message', 2);
      await server.publish(topic, 5);
      await client.collect((f) => f.op === 'message', 3);
      assert.deepEqual(offsetsOf(client, topic), [3, 4, 5]);
      assert.deepEqual(
        client.messages(topic).map((f) => f.data),
        [3, 4, 5],
      );
      // The ack comes before the replayed messages.
      assert.ok(client.frames.indexOf(ack) < client.frames.indexOf(client.messages(topic)[0] as never));
    });

    it('holds live messages that arrive during catch-up: each missed message once, in offset order', T, async () => {
      const topic = 'rec.race';
      let epoch = '';
      for (let i = 1; i <= 2; i++) ({ epoch } = (await server.publish(topic, i)) as { epoch: string });
      const client = await server.client();
      const original = history.since;
      // Live messages published while the subscription reads history: one the page will also
      // contain (must not be delivered twice), one newer than the page (must come after it).
      history.since = async (...args) => {
        await server.publish(topic, 3);
        const page = await original.apply(history, args);
        await server.publish(topic, 4);
        return page;
      };
      try {
        const ack = await client.request({ op: 'subscribe', id: 1, topic, since: { offset: 1, epoch } });
        assert.equal(ack.recovered, true);
        assert.equal(ack.offset, 3);
      } finally {
        history.since = original;
      }
      await client.collect((f) => f.op === 'message', 3);
      await server.publish(topic, 5);
      await client.collect((f) => f.op === 'message', 4);
      assert.deepEqual(offsetsOf(client, topic), [2, 3, 4, 5]);
    });

    it('answers recovered:true and replays nothing when the client is up to date', T, async () => {
      const topic = 'rec.uptodate';
      const { offset, epoch } = await server.publish(topic, 'x');
      const client = await server.client();
      const ack = await client.request({ op: 'subscribe', id: 1, topic, since: { offset: offset ?? -1, epoch: epoch ?? '' } });
      assert.equal(ack.recovered, true);
      await server.publish(topic, 'live');
      assert.deepEqual(await client.next((f) => f.op === 'message'), { op: 'message', topic, offset: 2, data: 'live' });
      assert.equal(client.messages().length, 1);
    });

    it('answers recovered:false past the history window and replays what is left', T, async () => {
      const topic = 'rec.window';
      let epoch = '';
      for (let i = 1; i <= 8; i++) ({ epoch } = (await server.publish(topic, i)) as { epoch: string });
      const client = await server.client();
      const ack = await client.request({ op: 'subscribe', id: 1, topic, since: { offset: 1, epoch } });
      assert.deepEqual(ack, { op: 'ack', id: 1, topic, offset: 8, epoch, recovered: false });
      await client.collect((f) => f.op === 'message', 5);
      assert.deepEqual(offsetsOf(client, topic), [4, 5, 6, 7, 8]);
    });

    it('answers recovered:false on an epoch mismatch and replays the current epoch from its start', T, async () => {
      const topic = 'rec.epoch';
      let epoch = '';
      for (let i = 1; i <= 3; i++) ({ epoch } = (await server.publish(topic, i)) as { epoch: string });
      const client = await server.client();
      const ack = await client.request({ op: 'subscribe', id: 1, topic, since: { offset: 2, epoch: 'an-old-epoch' } });
      assert.deepEqual(ack, { op: 'ack', id: 1, topic, offset: 3, epoch, recovered: false });
      await client.collect((f) => f.op === 'message', 3);
      assert.deepEqual(offsetsOf(client, topic), [1, 2, 3]);
      await server.publish(topic, 4);
      await client.collect((f) => f.op === 'message', 4);
      assert.deepEqual(offsetsOf(client, topic), [1, 2, 3, 4]);
    });
  });
});

describe('WebSocket session protocol with history off (HISTORY_SIZE=0)', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ HISTORY_SIZE: '0' });
  });
  after(() => server.close());

  it('acks subscribes and publishes with offset null and delivers offset null', T, async () => {
    const client = await server.client();
    assert.deepEqual(await client.request({ op: 'subscribe', id: 1, topic: 'nohist.t' }), {
      op: 'ack',
      id: 1,
      topic: 'nohist.t',
      offset: null,
      epoch: null,
    });
    const ack = await client.request({ op: 'publish', id: 2, topic: 'nohist.t', data: 'x' });
    assert.equal(ack.offset, null);
    assert.deepEqual(await client.next((f) => f.op === 'message'), { op: 'message', topic: 'nohist.t', offset: null, data: 'x' });
  });
});
