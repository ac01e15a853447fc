import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { TestServer } from '@switchboard/all-in-one/test-server';
import { type FaultAction, FaultProxy, type WsTestClient } from '@switchboard/testkit';
import { ApiError, createPublisher, NetworkError, type Publisher } from '../src/index.js';

const T = { timeout: 20_000 };
const RESET: FaultAction = 'reset-after-answer';
const UNAVAILABLE: FaultAction = { status: 503 };
const RATE_LIMITED: FaultAction = { status: 429, headers: { 'retry-after': '1' } };

/** The `message` frames a client received for `topic`, as [offset, data]. */
function received(client: WsTestClient, topic: string): Array<[unknown, unknown]> {
  return client.frames.filter((f) => f.op === 'message' && f.topic === topic).map((f) => [f.offset, f.data]);
}

describe('@switchboard/publisher against an api that fails', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  let publisher: Publisher;
  before(async () => {
    server = await TestServer.start();
    proxy = await FaultProxy.start(server.node.port);
    publisher = createPublisher({ url: proxy.url, retries: 8, retryBaseMs: 20, retryMaxMs: 200, timeoutMs: 5000 });
  });
  after(async () => {
    publisher.close();
    await proxy.close();
    await server.close();
  });

  it('delivers each message exactly once through resets after storing, 503 and 429 with Retry-After', T, async () => {
    const topic = 'pub.exact';
    const subscriber = await server.client();
    await subscriber.request({ op: 'subscribe', id: 1, topic });
    const faults: FaultAction[][] = [
      [RESET],
      [UNAVAILABLE],
      [RATE_LIMITED],
      [RESET, UNAVAILABLE, RESET],
      [UNAVAILABLE, RATE_LIMITED, RESET],
    ];
    const results = [];
    for (const [n, actions] of faults.entries()) {
      proxy.dropAll(); // the next request opens a new connection, which meets the faults in order
      proxy.next(...actions);
      const started = Date.now();
      results.push(await publisher.publish(topic, { n }));
      assert.equal(proxy.pending, 0, `message ${n} met every fault`);
      if (actions.includes(RATE_LIMITED)) assert.ok(Date.now() - started >= 950, 'Retry-After: 1 was honoured');
    }
    assert.equal(proxy.counts.resetAfterAnswer, 4, 'four requests were handled by the api and their answers cut');
    assert.deepEqual(
      results.map((r) => r.offset),
      [1, 2, 3, 4, 5],
    );
    // A last message published directly marks the end: every earlier frame arrived before it.
    await server.publish(topic, 'end');
    await subscriber.next((f) => f.op === 'message' && f.data === 'end');
    assert.deepEqual(received(subscriber, topic), [
      [1, { n: 0 }],
      [2, { n: 1 }],
      [3, { n: 2 }],
      [4, { n: 3 }],
      [5, { n: 4 }],
      [6, 'end'],
    ]);
    const page = await publisher.history(topic, { since: 0 });
    assert.equal(page.messages.length, 6, 'history holds each message once');
  });

  it('a batch retried after a reset stores nothing twice', T, async () => {
    const topic = 'pub.batch';
    proxy.dropAll();
    proxy.next(RESET, UNAVAILABLE);
    const results = await publisher.publishBatch([
      { topic, data: 'a' },
      { topic, data: 'b', id: 'b-1' },
    ]);
    assert.deepEqual(
      results.map((r) => r.offset),
      [1, 2],
    );
    const page = await publisher.history<string>(topic);
    assert.deepEqual(
      page.messages.map((m) => m.data),
      ['a', 'b'],
    );
  });

  it('publishes bytes (octet-stream, and base64 in a batch) once through a reset; history gives Uint8Array back', T, async () => {
    const topic = 'pub.bytes';
    const one = randomBytes(256);
    const two = randomBytes(3);
    proxy.dropAll();
    proxy.next(RESET);
    const first = await publisher.publish(topic, one);
    proxy.dropAll();
    proxy.next(RESET);
    const rest = await publisher.publishBatch([
      { topic, data: two },
      { topic, data: { json: 1 } },
    ]);
    assert.deepEqual(
      [first, ...rest].map((r) => r.offset),
      [1, 2, 3],
    );
    const page = await publisher.history(topic);
    assert.deepEqual(page.messages, [
      { offset: 1, data: new Uint8Array(one) },
      { offset: 2, data: new Uint8Array(two) },
      { offset: 3, data: { json: 1 } },
    ]);
  });

  it('gives up after `retries` and throws the last ApiError with its code and Retry-After', T, async () => {
    const few = createPublisher({ url: proxy.url, retries: 2, retryBaseMs: 1, retryMaxMs: 5 });
    try {
      proxy.dropAll();
      proxy.next(UNAVAILABLE, UNAVAILABLE, { status: 429, headers: { 'retry-after': '0' } }, UNAVAILABLE);
      const before = proxy.counts.connections;
      const err = await few.publish('pub.fail', 1).catch((e: unknown) => e);
      assert.ok(err instanceof ApiError, String(err));
      assert.equal(err.status, 429);
      assert.equal(err.code, 'rate_limited');
      assert.equal(err.retryAfterMs, 0);
      assert.equal(proxy.counts.connections - before, 3, 'one attempt and two retries');
      proxy.dropAll();
      proxy.next({ status: 429, headers: { 'retry-after': '3600' } });
      const tooLong = await few.publish('pub.fail', 1).catch((e: unknown) => e);
      assert.ok(tooLong instanceof ApiError && tooLong.retryAfterMs === 3_600_000, 'a Retry-After over maxRetryAfterMs fails at once');
    } finally {
      few.close();
    }
  });

  it('does not retry what cannot succeed: 400, 409; the error carries the API code', T, async () => {
    proxy.dropAll();
    const before = proxy.counts.connections;
    const bad = await publisher.publish('bad topic!', 1).catch((e: unknown) => e);
    assert.ok(bad instanceof ApiError && bad.status === 400 && bad.code === 'bad_topic' && !bad.retryable, String(bad));
    assert.equal(proxy.counts.connections - before, 1);
    await publisher.publish('pub.conflict', { v: 1 }, { idempotencyKey: 'order-7' });
    const again = await publisher.publish('pub.conflict', { v: 1 }, { idempotencyKey: 'order-7' });
    assert.equal(again.offset, 1, 'the same key and body answers the original offset');
    const conflict = await publisher.publish('pub.conflict', { v: 2 }, { idempotencyKey: 'order-7' }).catch((e: unknown) => e);
    assert.ok(conflict instanceof ApiError && conflict.status === 409 && conflict.code === 'idempotency_conflict', String(conflict));
  });

  it('a dead server is a NetworkError after the retries; a silent one a timeout', T, async () => {
    const dead = createPublisher({ url: 'http://127.0.0.1:1', retries: 1, retryBaseMs: 1 });
    const err = await dead.publish('pub.x', 1).catch((e: unknown) => e);
    assert.ok(err instanceof NetworkError && err.code === 'network', String(err));
    dead.close();
    const silent = createPublisher({ url: proxy.url, retries: 0, timeoutMs: 300 });
    proxy.dropAll();
    proxy.next('hang');
    const timedOut = await silent.publish('pub.x', 1).catch((e: unknown) => e);
    assert.ok(timedOut instanceof NetworkError && timedOut.code === 'timeout', String(timedOut));
    silent.close();
  });
});
