import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { requestJson } from '@switchboard/testkit';
import { assertError, T, TestServer } from './support.js';

interface HistoryAnswer {
  messages: Array<{ offset: number; data: unknown; encoding?: string }>;
}

const octets = { 'content-type': 'application/octet-stream' };

describe('publishing bytes over HTTP', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ MAX_MESSAGE_BYTES: '1024' });
  });
  after(() => server.close());

  it('octet-stream: 200 {offset, epoch}; history gives the bytes back as base64 with "encoding":"base64"', T, async () => {
    const bytes = randomBytes(256);
    const res = await requestJson(`${server.url}/v1/publish?topic=bin.a`, { raw: bytes, headers: octets });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((res.body as { offset: number }).offset, 1);
    await requestJson(`${server.url}/v1/publish`, { body: { topic: 'bin.a', data: { json: true } } });
    const page = (await requestJson(`${server.url}/v1/topics/bin.a/history`)).body as HistoryAnswer;
    assert.deepEqual(page.messages, [
      { offset: 1, encoding: 'base64', data: bytes.toString('base64') },
      { offset: 2, data: { json: true } },
    ]);
  });

  it('octet-stream: the same limits and errors as JSON (413 over MAX_MESSAGE_BYTES, 400 without a valid topic)', T, async () => {
    assertError(await requestJson(`${server.url}/v1/publish?topic=bin.big`, { raw: randomBytes(1025), headers: octets }), 413, 'too_large');
    const fits = await requestJson(`${server.url}/v1/publish?topic=bin.big`, { raw: randomBytes(1024), headers: octets });
    assert.equal(fits.status, 200);
    assertError(await requestJson(`${server.url}/v1/publish`, { raw: randomBytes(4), headers: octets }), 400, 'bad_topic');
    assertError(await requestJson(`${server.url}/v1/publish?topic=a.*`, { raw: randomBytes(4), headers: octets }), 400, 'bad_topic');
    // Zero bytes are a message too.
    const empty = await requestJson(`${server.url}/v1/publish?topic=bin.empty`, { raw: Buffer.alloc(0), headers: octets });
    assert.equal(empty.status, 200);
  });

  it('octet-stream: an Idempotency-Key repeat answers the original; other bytes under it are 409', T, async () => {
    const bytes = randomBytes(64);
    const headers = { ...octets, 'idempotency-key': 'bytes-1' };
    const first = await requestJson(`${server.url}/v1/publish?topic=bin.idem`, { raw: bytes, headers });
    const again = await requestJson(`${server.url}/v1/publish?topic=bin.idem`, { raw: bytes, headers });
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assertError(
      await requestJson(`${server.url}/v1/publish?topic=bin.idem`, { raw: randomBytes(64), headers }),
      409,
      'idempotency_conflict',
    );
  });

  it('batch: a message with "encoding":"base64" carries bytes; JSON messages stay JSON', T, async () => {
    const bytes = randomBytes(100);
    const res = await requestJson(`${server.url}/v1/publish/batch`, {
      body: {
        messages: [
          { topic: 'bin.batch', data: bytes.toString('base64'), encoding: 'base64' },
          { topic: 'bin.batch', data: 'AQID' },
        ],
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const page = (await requestJson(`${server.url}/v1/topics/bin.batch/history`)).body as HistoryAnswer;
    assert.deepEqual(page.messages, [
      { offset: 1, encoding: 'base64', data: bytes.toString('base64') },
      { offset: 2, data: 'AQID' },
    ]);
  });

  it('batch and JSON publish: 400 on a bad encoding or bad base64, 413 when the bytes are over the limit', T, async () => {
    const batch = (message: object) => requestJson(`${server.url}/v1/publish/batch`, { body: { messages: [message] } });
    assertError(await batch({ topic: 'bin.bad', data: 'AQID', encoding: 'hex' }), 400, 'bad_request');
    assertError(await batch({ topic: 'bin.bad', data: 'not base64!', encoding: 'base64' }), 400, 'bad_request');
    assertError(await batch({ topic: 'bin.bad', data: 'AQI', encoding: 'base64' }), 400, 'bad_request');
    assertError(await batch({ topic: 'bin.bad', data: [1, 2], encoding: 'base64' }), 400, 'bad_request');
    assertError(await batch({ topic: 'bin.bad', data: randomBytes(1025).toString('base64'), encoding: 'base64' }), 413, 'too_large');
    const single = await requestJson(`${server.url}/v1/publish`, { body: { topic: 'bin.single', data: 'AAEC', encoding: 'base64' } });
    assert.equal(single.status, 200);
    const page = (await requestJson(`${server.url}/v1/topics/bin.single/history`)).body as HistoryAnswer;
    assert.deepEqual(page.messages, [{ offset: 1, encoding: 'base64', data: 'AAEC' }]);
  });
});
