import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requestJson } from '@switchboard/testkit';
import { assertError, T, TestServer } from './support.js';

interface Answer {
  offset: number | null;
  epoch: string | null;
}

describe('idempotent publishing (memory backend)', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
  });
  after(() => server.close());

  const publish = (body: unknown, key?: string) =>
    requestJson(`${server.url}/v1/publish`, { body, headers: key === undefined ? {} : { 'idempotency-key': key } });
  const history = async (topic: string) =>
    ((await requestJson(`${server.url}/v1/topics/${topic}/history`)).body as { messages: { data: unknown }[] }).messages;

  it('a repeat answers the original {offset, epoch}, flagged Idempotent-Replayed, and stores nothing', T, async () => {
    const first = await publish({ topic: 'idem.a', data: { n: 1 } }, 'k-1');
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const again = await publish({ topic: 'idem.a', data: { n: 1 } }, 'k-1');
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    const next = await publish({ topic: 'idem.a', data: { n: 1 } }, 'k-2');
    assert.equal((next.body as Answer).offset, Number((first.body as Answer).offset) + 1, 'a new key gets the next offset');
    assert.equal((await history('idem.a')).length, 2);
  });

  it('keys are scoped per topic; the same key with another body is 409 idempotency_conflict', T, async () => {
    const a = await publish({ topic: 'idem.b1', data: 1 }, 'shared');
    const b = await publish({ topic: 'idem.b2', data: 2 }, 'shared');
    assert.equal((a.body as Answer).offset, 1);
    assert.equal((b.body as Answer).offset, 1, 'another topic: another message');
    assertError(await publish({ topic: 'idem.b1', data: 3 }, 'shared'), 409, 'idempotency_conflict');
    assert.equal((await history('idem.b1')).length, 1);
  });

  it('concurrent repeats store once', T, async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => publish({ topic: 'idem.c', data: 'x' }, 'same')));
    assert.deepEqual(new Set(answers.map((a) => (a.body as Answer).offset)), new Set([1]));
    assert.equal((await history('idem.c')).length, 1);
  });

  it('batch: each message may carry an id; a resent batch stores nothing new', T, async () => {
    const batch = {
      messages: [
        { topic: 'idem.d', data: 'a', id: 'a' },
        { topic: 'idem.d', data: 'b', id: 'b' },
        { topic: 'idem.d', data: 'c' },
      ],
    };
    const first = await requestJson(`${server.url}/v1/publish/batch`, { body: batch });
    assert.equal(first.status, 200);
    const again = await requestJson(`${server.url}/v1/publish/batch`, { body: { messages: batch.messages.slice(0, 2) } });
    assert.deepEqual(again.body, { results: (first.body as { results: Answer[] }).results.slice(0, 2) });
    assert.equal((await history('idem.d')).length, 3);
    const conflict = await requestJson(`${server.url}/v1/publish/batch`, {
      body: {
        messages: [
          { topic: 'idem.d', data: 'new', id: 'new' },
          { topic: 'idem.d', data: 'other', id: 'a' },
        ],
      },
    });
    assert.equal(conflict.status, 409);
    const body = conflict.body as { error: { code: string }; results: Answer[] };
    assert.equal(body.error.code, 'idempotency_conflict');
    assert.equal(body.results.length, 1, 'the messages before the conflict were accepted');
  });

  it('bad keys are 400: too long, spaces, control characters, an id in a single body, a non-string id', T, async () => {
    assertError(await publish({ topic: 'idem.e', data: 1 }, 'k'.repeat(256)), 400, 'bad_request');
    assertError(await publish({ topic: 'idem.e', data: 1 }, 'a b'), 400, 'bad_request');
    assertError(await publish({ topic: 'idem.e', data: 1, id: 'x' }), 400, 'bad_request');
    const batch = await requestJson(`${server.url}/v1/publish/batch`, { body: { messages: [{ topic: 'idem.e', data: 1, id: 7 }] } });
    assertError(batch, 400, 'bad_request');
    assert.equal((await publish({ topic: 'idem.e', data: 1 }, 'k'.repeat(255))).status, 200);
    assert.equal((await history('idem.e')).length, 1);
  });
});

describe('IDEMPOTENCY_TTL_MS', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ IDEMPOTENCY_TTL_MS: '300' });
  });
  after(() => server.close());

  it('a key is forgotten after IDEMPOTENCY_TTL_MS', T, async () => {
    const send = () => requestJson(`${server.url}/v1/publish`, { body: { topic: 'ttl.a', data: 1 }, headers: { 'idempotency-key': 'k' } });
    assert.equal(((await send()).body as Answer).offset, 1);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(((await send()).body as Answer).offset, 2);
  });
});

describe('IDEMPOTENCY_TTL_MS=0 turns idempotency off', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ IDEMPOTENCY_TTL_MS: '0' });
  });
  after(() => server.close());

  it('a repeated key publishes again', T, async () => {
    const send = () => requestJson(`${server.url}/v1/publish`, { body: { topic: 'off.a', data: 1 }, headers: { 'idempotency-key': 'k' } });
    assert.equal(((await send()).body as Answer).offset, 1);
    assert.equal(((await send()).body as Answer).offset, 2);
  });
});
