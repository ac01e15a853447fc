import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  BINARY_MESSAGE,
  base64MessageFrame,
  CloseCode,
  dataFields,
  decodeBinaryClientFrame,
  ENVELOPE_TIME_BYTES,
  ErrorCode,
  encodeBinaryMessageFrame,
  encodeBinaryPublishFrame,
  encodeBusMessage,
  encodeEnvelope,
  encodeMessage,
  envelopeLength,
  isBinaryMessage,
  readBinaryMessageHead,
  readMessageHeader,
  sameData,
} from '../src/index.js';

describe('binary message frame (server → client)', () => {
  it('lays out kind, topic length, topic, u64 offset, then the payload (documented byte offsets)', () => {
    const payload = Buffer.from([0, 1, 2, 0xff]);
    const frame = encodeBinaryMessageFrame('ab.c', 258, payload);
    assert.deepEqual([...frame], [0x6d, 4, 0x61, 0x62, 0x2e, 0x63, 0, 0, 0, 0, 0, 0, 1, 2, 0, 1, 2, 0xff]);
    assert.equal(frame.length, payload.length + 10 + 4);
  });

  const table: Array<[string, number | null, number]> = [
    ['t', 1, 0],
    ['prices.EUR:USD', null, 256],
    ['x'.repeat(255), Number.MAX_SAFE_INTEGER, 70_000],
    ['a.b', 2 ** 32 + 5, 1],
  ];
  for (const [topic, offset, size] of table) {
    it(`reads back topic of ${topic.length} bytes / offset ${offset} / ${size} payload bytes`, () => {
      const payload = randomBytes(size);
      const frame = encodeBinaryMessageFrame(topic, offset, payload);
      const head = readBinaryMessageHead(frame);
      assert.deepEqual(head, { topic, offset, payloadStart: 10 + topic.length });
      assert.deepEqual(frame.subarray(head?.payloadStart), payload);
      assert.deepEqual(readMessageHeader(frame), { topic, offset });
      assert.equal(isBinaryMessage(frame), true);
    });
  }

  it('reads from a view into a larger buffer (a bus message after its envelope)', () => {
    const payload = randomBytes(256);
    const bus = encodeBusMessage(encodeBinaryMessageFrame('t', 7, payload), encodeEnvelope(99, null));
    const length = envelopeLength(bus);
    assert.equal(length, ENVELOPE_TIME_BYTES);
    assert.deepEqual(readMessageHeader(bus.subarray(length)), { topic: 't', offset: 7 });
    // No envelope: the frame is the bus message as it is.
    const plain = encodeBusMessage(encodeBinaryMessageFrame('t', 7, payload), encodeEnvelope(null, null));
    assert.equal(envelopeLength(plain), 0);
    assert.equal(plain[0], BINARY_MESSAGE);
  });

  it('refuses bytes that are not a whole head', () => {
    for (const bad of [[], [0x6d], [0x6d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0x6d, 5, 0x61], [0x7b, 1, 0x61, 0, 0, 0, 0, 0, 0, 0, 1]]) {
      assert.equal(readBinaryMessageHead(Uint8Array.from(bad)), null, JSON.stringify(bad));
    }
  });

  it('becomes base64 JSON with an encoding marker for the text transports', () => {
    const payload = randomBytes(256);
    const json = base64MessageFrame(encodeBinaryMessageFrame('a.b', 3, payload));
    const parsed = JSON.parse(json ?? '');
    assert.deepEqual(parsed, { op: 'message', topic: 'a.b', offset: 3, encoding: 'base64', data: payload.toString('base64') });
    assert.deepEqual(JSON.parse(`{${dataFields(payload)}}`), { encoding: 'base64', data: payload.toString('base64') });
    assert.equal(dataFields('{"x":1}'), '"data":{"x":1}');
    assert.equal(base64MessageFrame(Buffer.from(encodeMessage('t', 1, '1'))), null);
  });

  it('compares data by kind and content', () => {
    assert.equal(sameData(Buffer.from([1, 2]), Uint8Array.from([1, 2])), true);
    assert.equal(sameData(Buffer.from([1, 2]), Uint8Array.from([1, 3])), false);
    assert.equal(sameData('"x"', Buffer.from('"x"')), false);
    assert.equal(sameData('"x"', '"x"'), true);
  });
});

describe('binary publish frame (client → server)', () => {
  it('lays out kind, topic length, topic, u32 id, then the payload', () => {
    const frame = encodeBinaryPublishFrame('t.u', 0x01020304, Buffer.from([9, 8]));
    assert.deepEqual([...frame], [0x70, 3, 0x74, 0x2e, 0x75, 1, 2, 3, 4, 9, 8]);
  });

  it('decodes to a publish of the payload bytes, with and without id', () => {
    const payload = randomBytes(256);
    const decoded = decodeBinaryClientFrame(encodeBinaryPublishFrame('a.b', 7, payload));
    assert.ok(decoded.ok);
    assert.equal(decoded.frame.op, 'publish');
    assert.deepEqual(decoded.frame, { op: 'publish', topic: 'a.b', data: payload, id: 7 });
    const noId = decodeBinaryClientFrame(encodeBinaryPublishFrame('a', undefined, new Uint8Array(0)));
    assert.ok(noId.ok);
    assert.deepEqual(noId.frame, { op: 'publish', topic: 'a', data: Buffer.alloc(0) });
  });

  it('refuses an invalid topic with bad_topic, the connection staying open', () => {
    for (const topic of ['a.*', 'a..b', 'é', '$sb.presence.x']) {
      const decoded = decodeBinaryClientFrame(encodeBinaryPublishFrame(topic, 3, Buffer.from([1])));
      assert.deepEqual(decoded, {
        ok: false,
        error: { fatal: false, code: ErrorCode.BadTopic, message: decoded.ok ? '' : decoded.error.message, id: 3 },
      });
    }
  });

  it('treats a malformed frame as a protocol error (4400), never a throw', () => {
    const malformed = [
      [],
      [0x00],
      [0x6d, 1, 0x61, 0, 0, 0, 0, 0, 0, 0, 1],
      [0x70],
      [0x70, 0, 0, 0, 0, 0],
      [0x70, 4, 0x61, 0, 0, 0],
      [0xff, 1, 2],
    ];
    for (const bytes of malformed) {
      const decoded = decodeBinaryClientFrame(Uint8Array.from(bytes));
      assert.equal(decoded.ok, false, JSON.stringify(bytes));
      assert.equal(!decoded.ok && decoded.error.fatal, true, JSON.stringify(bytes));
    }
    for (let i = 0; i < 2000; i++) decodeBinaryClientFrame(randomBytes(i % 40));
    assert.equal(CloseCode.ProtocolError, 4400);
  });

  it('refuses ids the layout cannot carry', () => {
    assert.throws(() => encodeBinaryPublishFrame('t', 2 ** 32, new Uint8Array(0)), RangeError);
    assert.throws(() => encodeBinaryPublishFrame('', 1, new Uint8Array(0)), RangeError);
  });
});
