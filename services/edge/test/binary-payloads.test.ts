import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { encodeBinaryPublishFrame, readBinaryMessageHead } from '@switchboard/protocol';
import { type Frame, requestJson } from '@switchboard/testkit';
import { openSse } from './sse-reader.js';
import { closedWithin, T, TestServer } from './support.js';

interface Element {
  topic?: string;
  offset: number | null;
  data: unknown;
  encoding?: string;
}

const octets = { 'content-type': 'application/octet-stream' };
const isBinary = (f: Frame) => f.op === 'binary';
const bytesOf = (f: Frame) => f.bytes as Buffer;

/** The payload of a server binary message frame, checked against its documented layout. */
function payloadOf(frame: Buffer, topic: string, offset: number | null): Buffer {
  const head = readBinaryMessageHead(frame);
  assert.deepEqual(head, { topic, offset, payloadStart: 10 + topic.length });
  assert.equal(frame[0], 0x6d);
  assert.equal(frame[1], topic.length);
  return frame.subarray(head?.payloadStart);
}

describe('binary payloads end to end', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ MAX_MESSAGE_BYTES: '4096' });
  });
  after(() => server.close());

  it(
    'an octet-stream publish of 256 random bytes reaches WebSocket as one binary frame, JSON as text; SSE, long-poll and history give the same bytes',
    T,
    async () => {
      const topic = 'bin.done';
      const ws = await server.client();
      assert.equal((await ws.request({ op: 'subscribe', id: 1, topic })).op, 'ack');
      const sse = await openSse(`${server.url}/sse?topics=${topic}`);
      await sse.waitFor((events) => events.some((e) => e.event === 'ack'));

      const bytes = randomBytes(256);
      const published = await requestJson(`${server.url}/v1/publish?topic=${topic}`, { raw: bytes, headers: octets });
      assert.equal(published.status, 200);
      const offset = (published.body as { offset: number }).offset;
      await requestJson(`${server.url}/v1/publish`, { body: { topic, data: { json: true } } });

      // WebSocket: the bytes as one binary frame, no more than a small header larger; JSON as text.
      const frame = bytesOf(await ws.next(isBinary));
      assert.ok(frame.length <= bytes.length + 10 + topic.length, `frame of ${frame.length} bytes`);
      assert.deepEqual(payloadOf(frame, topic, offset), bytes);
      assert.deepEqual(await ws.next((f) => f.op === 'message'), { op: 'message', topic, offset: offset + 1, data: { json: true } });

      // SSE: base64 with the encoding marker, then the JSON message as before.
      const events = (await sse.waitFor((e) => e.filter((x) => x.event === 'message').length >= 2)).filter((e) => e.event === 'message');
      assert.deepEqual(JSON.parse(events[0]?.data ?? ''), {
        op: 'message',
        topic,
        offset,
        encoding: 'base64',
        data: bytes.toString('base64'),
      });
      assert.equal(events[0]?.id, `${topic}:${offset}`);
      assert.deepEqual(JSON.parse(events[1]?.data ?? ''), { op: 'message', topic, offset: offset + 1, data: { json: true } });
      await sse.close();

      // Long-poll from before the bytes: both, the bytes in base64 with the marker.
      const poll = await requestJson(`${server.url}/poll?topics=${topic}&since=${topic}:${offset - 1}`);
      assert.equal(poll.status, 200);
      assert.deepEqual((poll.body as { messages: Element[] }).messages, [
        { topic, offset, encoding: 'base64', data: bytes.toString('base64') },
        { topic, offset: offset + 1, data: { json: true } },
      ]);

      // History API: the same.
      const page = await requestJson(`${server.url}/v1/topics/${topic}/history?since=${offset - 1}`);
      assert.deepEqual((page.body as { messages: Element[] }).messages, [
        { offset, encoding: 'base64', data: bytes.toString('base64') },
        { offset: offset + 1, data: { json: true } },
      ]);
    },
  );

  it('a resubscribe with since replays the bytes as binary frames', T, async () => {
    const topic = 'bin.replay';
    const bytes = [randomBytes(10), randomBytes(300)];
    for (const b of bytes) await requestJson(`${server.url}/v1/publish?topic=${topic}`, { raw: b, headers: octets });
    const ws = await server.client();
    const ack = await ws.request({ op: 'subscribe', id: 1, topic, since: { offset: 0 } });
    assert.equal(ack.recovered, true);
    const frames = await ws.collect(isBinary, 2);
    assert.deepEqual(
      frames.map((f, i) => payloadOf(bytesOf(f), topic, i + 1)),
      bytes,
    );
  });

  it('a client publishes bytes with a binary frame; the ack carries its id; subscribers get the same bytes', T, async () => {
    const topic = 'bin.client';
    const subscriber = await server.client();
    await subscriber.request({ op: 'subscribe', id: 1, topic });
    const publisher = await server.client();
    const bytes = randomBytes(256);
    publisher.send(encodeBinaryPublishFrame(topic, 7, bytes));
    const ack = await publisher.find((f) => f.id === 7);
    assert.equal(ack.op, 'ack');
    assert.deepEqual(payloadOf(bytesOf(await subscriber.next(isBinary)), topic, ack.offset as number), bytes);
    // An id of 0 means none: the ack has no id.
    publisher.send(encodeBinaryPublishFrame(topic, undefined, Buffer.from([1])));
    await publisher.find((f) => f.op === 'ack' && f.id === undefined && f.topic === undefined);
  });

  it('a well-formed binary publish to a bad topic is refused with bad_topic; the connection stays', T, async () => {
    const client = await server.client();
    client.send(encodeBinaryPublishFrame('a.*', 3, Buffer.from([1, 2])));
    const error = await client.find((f) => f.id === 3);
    assert.deepEqual([error.op, error.code], ['error', 'bad_topic']);
    assert.equal((await client.request({ op: 'subscribe', id: 4, topic: 'still.here' })).op, 'ack');
  });

  for (const [name, bytes] of [
    ['an unknown kind byte', Buffer.from('{"op":"subscribe","id":1,"topic":"a"}')],
    ['a server message frame', Buffer.from([0x6d, 1, 0x61, 0, 0, 0, 0, 0, 0, 0, 1])],
    ['a publish frame shorter than its header', Buffer.from([0x70, 9, 0x61, 0, 0])],
    ['a publish frame with an empty topic', Buffer.from([0x70, 0, 0, 0, 0, 1, 2])],
  ] as const) {
    it(`a malformed binary frame (${name}) closes with 4400`, T, async () => {
      const client = await server.client();
      const errorsBefore = server.node.edge.stats.protocolErrors;
      client.ws.send(bytes, { binary: true });
      const closed = await closedWithin(client);
      assert.equal(closed.code, 4400);
      assert.ok(closed.reason.length > 0);
      assert.equal(server.node.edge.stats.protocolErrors, errorsBefore + 1);
    });
  }

  it('a binary frame over MAX_MESSAGE_BYTES closes with 1009, like text', T, async () => {
    const client = await server.client();
    client.send(encodeBinaryPublishFrame('bin.big', 1, randomBytes(4097)));
    assert.equal((await closedWithin(client)).code, 1009);
  });
});
