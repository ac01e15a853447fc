import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requestJson } from '@switchboard/testkit';
import { assertError, T, TestServer } from './support.js';

interface PublishAnswer {
  offset: number | null;
  epoch: string | null;
}
interface HistoryAnswer {
  epoch: string;
  messages: { offset: number; data: unknown }[];
}

describe('POST /v1/publish', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
  });
  after(() => server.close());

  it('200 {offset, epoch}; offsets count up per topic within one epoch', T, async () => {
    const first = await requestJson(`${server.url}/v1/publish`, { body: { topic: 'api.a', data: { n: 1 } } });
    assert.equal(first.status, 200);
    const body = first.body as PublishAnswer;
    assert.deepEqual(Object.keys(body).sort(), ['epoch', 'offset']);
    assert.equal(body.offset, 1);
    assert.equal(typeof body.epoch, 'string');
    const second = await requestJson(`${server.url}/v1/publish`, { body: { topic: 'api.a', data: 2 } });
    assert.deepEqual(second.body, { offset: 2, epoch: body.epoch });
    const other = await requestJson(`${server.url}/v1/publish`, { body: { topic: 'api.b', data: 3 } });
    assert.equal((other.body as PublishAnswer).offset, 1);
  });

  it('delivers the message, data unchanged, to a WebSocket subscriber', T, async () => {
    const client = await server.client();
    await client.request({ op: 'subscribe', id: 1, topic: 'api.ws' });
    const data = { text: 'hi', list: [1, 'two', null, false], deep: { x: 1.25 } };
    const res = await requestJson(`${server.url}/v1/publish`, { body: { topic: 'api.ws', data } });
    assert.equal(res.status, 200);
    const message = await client.next((f) => f.op === 'message');
    assert.deepEqual(message, { op: 'message', topic: 'api.ws', offset: (res.body as PublishAnswer).offset, data });
  });

  it('accepts any JSON value as data, including null and false', T, async () => {
    for (const data of [null, false, 0, '', [], 'text']) {
      const res = await requestJson(`${server.url}/v1/publish`, { body: { topic: 'api.values', data } });
      assert.equal(res.status, 200, JSON.stringify(data));
    }
    const page = await requestJson(`${server.url}/v1/topics/api.values/history`);
    assert.deepEqual(
      (page.body as HistoryAnswer).messages.map((m) => m.data),
      [null, false, 0, '', [], 'text'],
    );
  });

  it('keeps data as sent, less whitespace outside strings (one-line frames); bytes that are not UTF-8 read as U+FFFD', T, async () => {
    const client = await server.client();
    await client.request({ op: 'subscribe', id: 1, topic: 'api.raw' });
    const raw = '{ "topic" : "api.raw",\n  "data" : {\n    "n" : 1.50,\n    "s" : "a b\\n\\u00e9"\n  }\n}';
    const next = new Promise<string>((resolve) => client.ws.once('message', (data) => resolve(data.toString())));
    assert.equal((await requestJson(`${server.url}/v1/publish`, { raw })).status, 200);
    const frame = await next;
    assert.match(frame, /"data":\{"n":1.50,"s":"a b\\n\\u00e9"\}\}$/);
    const bad = Buffer.concat([Buffer.from('{"topic":"api.raw","data":"x'), Buffer.from([0xff]), Buffer.from('y"}')]);
    const res = await fetch(`${server.url}/v1/publish`, { method: 'POST', body: bad });
    assert.equal(res.status, 200);
    const page = await requestJson(`${server.url}/v1/topics/api.raw/history`);
    assert.deepEqual(
      (page.body as HistoryAnswer).messages.map((m) => m.data),
      [{ n: 1.5, s: 'a b\né' }, 'x\ufffdy'],
    );
  });

  it('400 bad_request on a body that is not JSON', T, async () => {
    assertError(await requestJson(`${server.url}/v1/publish`, { raw: '{"topic":"a",' }), 400, 'bad_request');
    assertError(await requestJson(`${server.url}/v1/publish`, { raw: '' }), 400, 'bad_request');
  });

  it('400 bad_request on JSON that is not a publish request', T, async () => {
    for (const body of [[], 'a', 42, null, { data: 1 }, { topic: 5, data: 1 }, { topic: 'a' }, { topic: 'a', data: undefined }]) {
      assertError(await requestJson(`${server.url}/v1/publish`, { raw: JSON.stringify(body) ?? '' }), 400, 'bad_request');
    }
  });

  it('400 bad_topic on an invalid topic or a wildcard', T, async () => {
    for (const topic of ['', 'a b', 'a..b', 'a.*', 'a.>', 'x'.repeat(256), 'ü']) {
      assertError(await requestJson(`${server.url}/v1/publish`, { body: { topic, data: 1 } }), 400, 'bad_topic');
    }
  });

  it('a refused publish stores and delivers nothing', T, async () => {
    const client = await server.client();
    await client.request({ op: 'subscribe', id: 1, topic: 'api.refused' });
    assertError(await requestJson(`${server.url}/v1/publish`, { body: { topic: 'api.refused' } }), 400, 'bad_request');
    const ok = await requestJson(`${server.url}/v1/publish`, { body: { topic: 'api.refused', data: 'only' } });
    assert.equal((ok.body as PublishAnswer).offset, 1);
    assert.equal((await client.next((f) => f.op === 'message')).data, 'only');
    assert.equal(client.messages().length, 1);
  });

  it('405 on another method, 404 on an unknown path, both with the error body', T, async () => {
    assertError(await requestJson(`${server.url}/v1/publish`, { method: 'GET' }), 405, 'method_not_allowed');
    assertError(await requestJson(`${server.url}/v1/nothing`, { body: {} }), 404, 'not_found');
  });
});

describe('POST /v1/publish/batch', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ MAX_BATCH_MESSAGES: '3' });
  });
  after(() => server.close());

  it('200 {results} in request order, delivered in that order', T, async () => {
    const client = await server.client();
    await client.request({ op: 'subscribe', id: 1, topic: 'batch.>' });
    const messages = [
      { topic: 'batch.a', data: 1 },
      { topic: 'batch.b', data: 2 },
      { topic: 'batch.a', data: 3 },
    ];
    const res = await requestJson(`${server.url}/v1/publish/batch`, { body: { messages } });
    assert.equal(res.status, 200);
    const { results } = res.body as { results: PublishAnswer[] };
    assert.deepEqual(
      results.map((r) => r.offset),
      [1, 1, 2],
    );
    assert.equal(results[0]?.epoch, results[2]?.epoch);
    const delivered = await client.collect((f) => f.op === 'message', 3);
    assert.deepEqual(
      delivered.map((f) => [f.topic, f.offset, f.data]),
      [
        ['batch.a', 1, 1],
        ['batch.b', 1, 2],
        ['batch.a', 2, 3],
      ],
    );
  });

  it('refuses the whole batch when one message is bad (nothing stored)', T, async () => {
    const messages = [
      { topic: 'batch.whole', data: 1 },
      { topic: 'bad topic', data: 2 },
    ];
    assertError(await requestJson(`${server.url}/v1/publish/batch`, { body: { messages } }), 400, 'bad_topic');
    assert.equal((await server.node.history?.tip('batch.whole'))?.offset, 0);
    assertError(
      await requestJson(`${server.url}/v1/publish/batch`, { body: { messages: [{ topic: 'batch.whole' }] } }),
      400,
      'bad_request',
    );
  });

  it('400 bad_request on a body that is not {"messages":[…]} or an empty batch', T, async () => {
    assertError(await requestJson(`${server.url}/v1/publish/batch`, { raw: 'nope' }), 400, 'bad_request');
    assertError(await requestJson(`${server.url}/v1/publish/batch`, { body: { messages: {} } }), 400, 'bad_request');
    assertError(await requestJson(`${server.url}/v1/publish/batch`, { body: { messages: [] } }), 400, 'bad_request');
  });

  it('413 too_large over MAX_BATCH_MESSAGES', T, async () => {
    const messages = Array.from({ length: 4 }, (_, i) => ({ topic: 'batch.big', data: i }));
    assertError(await requestJson(`${server.url}/v1/publish/batch`, { body: { messages } }), 413, 'too_large');
    assert.equal((await server.node.history?.tip('batch.big'))?.offset, 0);
    const fits = await requestJson(`${server.url}/v1/publish/batch`, { body: { messages: messages.slice(0, 3) } });
    assert.equal(fits.status, 200);
  });
});

describe('GET /v1/topics/{topic}/history', () => {
  let server: TestServer;
  let epoch: string;
  before(async () => {
    server = await TestServer.start({ HISTORY_SIZE: '10' });
    for (let i = 1; i <= 5; i++) {
      const res = await requestJson(`${server.url}/v1/publish`, { body: { topic: 'hist.t', data: { i } } });
      epoch = (res.body as { epoch: string }).epoch;
    }
  });
  after(() => server.close());

  it('200 {epoch, messages} with every message by default', T, async () => {
    const res = await requestJson(`${server.url}/v1/topics/hist.t/history`);
    assert.equal(res.status, 200);
    const body = res.body as HistoryAnswer;
    assert.equal(body.epoch, epoch);
    assert.deepEqual(
      body.messages,
      [1, 2, 3, 4, 5].map((i) => ({ offset: i, data: { i } })),
    );
  });

  it('since and limit select the page', T, async () => {
    const res = await requestJson(`${server.url}/v1/topics/hist.t/history?since=1&limit=2`);
    assert.equal(res.status, 200);
    assert.deepEqual((res.body as HistoryAnswer).messages, [
      { offset: 2, data: { i: 2 } },
      { offset: 3, data: { i: 3 } },
    ]);
    const tail = await requestJson(`${server.url}/v1/topics/hist.t/history?since=4`);
    assert.deepEqual(
      (tail.body as HistoryAnswer).messages.map((m) => m.offset),
      [5],
    );
    const none = await requestJson(`${server.url}/v1/topics/hist.t/history?since=5`);
    assert.deepEqual((none.body as HistoryAnswer).messages, []);
  });

  it('an unknown topic has an empty history', T, async () => {
    const res = await requestJson(`${server.url}/v1/topics/hist.none/history`);
    assert.equal(res.status, 200);
    assert.deepEqual((res.body as HistoryAnswer).messages, []);
  });

  it('400 bad_request on a bad since or limit', T, async () => {
    for (const query of ['since=-1', 'since=abc', 'since=1.5', 'since=', 'limit=0', 'limit=1001', 'limit=x', 'limit=-5']) {
      assertError(await requestJson(`${server.url}/v1/topics/hist.t/history?${query}`), 400, 'bad_request');
    }
  });

  it('400 bad_topic on a bad topic, also when its percent-encoding is malformed', T, async () => {
    for (const topic of ['a%20b', 'a..b', 'a.*', '%ZZ', '%E0%A4%A']) {
      assertError(await requestJson(`${server.url}/v1/topics/${topic}/history`), 400, 'bad_topic');
    }
  });
});

describe('history off (HISTORY_SIZE=0)', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ HISTORY_SIZE: '0' });
  });
  after(() => server.close());

  it('POST /v1/publish -> 200 with offset null, still delivered', T, async () => {
    const client = await server.client();
    await client.request({ op: 'subscribe', id: 1, topic: 'nohist.t' });
    const res = await requestJson(`${server.url}/v1/publish`, { body: { topic: 'nohist.t', data: 'x' } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { offset: null, epoch: null });
    assert.deepEqual(await client.next((f) => f.op === 'message'), { op: 'message', topic: 'nohist.t', offset: null, data: 'x' });
  });

  it('GET history -> 404 with the error body', T, async () => {
    assertError(await requestJson(`${server.url}/v1/topics/nohist.t/history`), 404, 'not_found');
  });
});

describe('API keys (API_KEYS set)', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ API_KEYS: 'key-old, key-new' });
  });
  after(() => server.close());

  const publish = (headers: Record<string, string> = {}) =>
    requestJson(`${server.url}/v1/publish`, { body: { topic: 'keys.t', data: 1 }, headers });

  it('401 unauthorized without a key, with an unknown key or a malformed header; nothing stored', T, async () => {
    assertError(await publish(), 401, 'unauthorized');
    assertError(await publish({ authorization: 'Bearer key-wrong' }), 401, 'unauthorized');
    assertError(await publish({ authorization: 'Bearer key-ol' }), 401, 'unauthorized');
    assertError(await publish({ authorization: 'key-old' }), 401, 'unauthorized');
    assertError(await publish({ authorization: 'Basic key-old' }), 401, 'unauthorized');
    assert.equal((await server.node.history?.tip('keys.t'))?.offset, 0);
  });

  it('401 on the batch and history endpoints too', T, async () => {
    const batch = await requestJson(`${server.url}/v1/publish/batch`, { body: { messages: [{ topic: 'keys.t', data: 1 }] } });
    assertError(batch, 401, 'unauthorized');
    assertError(await requestJson(`${server.url}/v1/topics/keys.t/history`), 401, 'unauthorized');
  });

  it('200 with either configured key (rotation)', T, async () => {
    const old = await publish({ authorization: 'Bearer key-old' });
    const next = await publish({ authorization: 'bearer key-new' });
    assert.equal(old.status, 200);
    assert.equal(next.status, 200);
    assert.equal((next.body as PublishAnswer).offset, ((old.body as PublishAnswer).offset ?? 0) + 1);
    const history = await requestJson(`${server.url}/v1/topics/keys.t/history`, { headers: { authorization: 'Bearer key-new' } });
    assert.equal(history.status, 200);
  });
});

describe('body size (MAX_MESSAGE_BYTES)', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ MAX_MESSAGE_BYTES: '1024', MAX_BATCH_BYTES: '4096' });
  });
  after(() => server.close());

  it('413 too_large on a body over the limit, nothing stored; a body at the limit is accepted', T, async () => {
    const over = await requestJson(`${server.url}/v1/publish`, { body: { topic: 'size.t', data: 'x'.repeat(1100) } });
    assertError(over, 413, 'too_large');
    assert.equal((await server.node.history?.tip('size.t'))?.offset, 0);
    const envelope = JSON.stringify({ topic: 'size.t', data: '' });
    const raw = JSON.stringify({ topic: 'size.t', data: 'x'.repeat(1024 - envelope.length) });
    assert.equal(Buffer.byteLength(raw), 1024);
    assert.equal((await requestJson(`${server.url}/v1/publish`, { raw })).status, 200);
  });

  it('413 too_large on a batch message whose data is over the limit', T, async () => {
    const messages = [
      { topic: 'size.b', data: 'ok' },
      { topic: 'size.b', data: 'x'.repeat(1100) },
    ];
    assertError(await requestJson(`${server.url}/v1/publish/batch`, { body: { messages } }), 413, 'too_large');
    assert.equal((await server.node.history?.tip('size.b'))?.offset, 0);
  });

  it('413 too_large on a batch body over MAX_BATCH_BYTES', T, async () => {
    const messages = Array.from({ length: 8 }, () => ({ topic: 'size.b', data: 'x'.repeat(600) }));
    assertError(await requestJson(`${server.url}/v1/publish/batch`, { body: { messages } }), 413, 'too_large');
  });
});

describe('rate limit (API_RATE_LIMIT)', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ API_RATE_LIMIT: '2', MAX_BATCH_MESSAGES: '3', API_KEYS: 'key-a,key-b' });
  });
  after(() => server.close());

  it('429 rate_limited past the burst, per key; nothing stored for a refused publish', T, async () => {
    const publish = (key: string) =>
      requestJson(`${server.url}/v1/publish`, { body: { topic: 'rate.t', data: key }, headers: { authorization: `Bearer ${key}` } });
    for (let i = 0; i < 4; i++) assert.equal((await publish('key-a')).status, 200);
    assertError(await publish('key-a'), 429, 'rate_limited');
    assert.equal((await server.node.history?.tip('rate.t'))?.offset, 4);
    assert.equal((await publish('key-b')).status, 200, 'another key has its own bucket');
    assert.equal((await publish('key-b')).status, 200);
    assert.equal((await publish('key-b')).status, 200);
    // key-b has about 1 of its 4 tokens left (burst = max(2 × rate, MAX_BATCH_MESSAGES)).
    const batch = await requestJson(`${server.url}/v1/publish/batch`, {
      body: { messages: Array.from({ length: 3 }, (_, i) => ({ topic: 'rate.t', data: i })) },
      headers: { authorization: 'Bearer key-b' },
    });
    assertError(batch, 429, 'rate_limited');
    assert.equal((await server.node.history?.tip('rate.t'))?.offset, 7, 'a batch costs one token per message');
  });
});

describe('bus down', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
  });
  after(() => server.close());

  it('503 unavailable, and nothing stored in history', T, async () => {
    const ok = await requestJson(`${server.url}/v1/publish`, { body: { topic: 'down.t', data: 'before' } });
    assert.equal(ok.status, 200);
    await server.node.bus.close();
    assertError(await requestJson(`${server.url}/v1/publish`, { body: { topic: 'down.t', data: 'lost' } }), 503, 'unavailable');
    const batch = await requestJson(`${server.url}/v1/publish/batch`, { body: { messages: [{ topic: 'down.t', data: 'lost' }] } });
    assert.equal(batch.status, 503);
    assert.deepEqual(batch.body, {
      error: { code: 'unavailable', message: (batch.body as { error: { message: string } }).error.message },
      results: [],
    });
    const page = await requestJson(`${server.url}/v1/topics/down.t/history`);
    assert.deepEqual(
      (page.body as HistoryAnswer).messages.map((m) => m.data),
      ['before'],
    );
    assert.equal((await server.node.history?.tip('down.t'))?.offset, 1);
  });
});
