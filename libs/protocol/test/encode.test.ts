import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloseCode, ErrorCode, encodeMessageFrame, encodeServerFrame, readMessageHeader } from '../src/index.js';

describe('message frame template', () => {
  const table: Array<[string, number | null, string]> = [
    ['demo', 42, '{"x":1}'],
    ['prices.EUR:USD', null, '"text with \\"quotes\\""'],
    ['a', 0, '[1,2,{"op":"message","topic":"fake","offset":9}]'],
    ['t', Number.MAX_SAFE_INTEGER, 'null'],
  ];
  for (const [topic, offset, data] of table) {
    it(`builds valid JSON and reads back topic ${topic} / offset ${offset}`, () => {
      const text = encodeMessageFrame(topic, offset, data);
      assert.deepEqual(JSON.parse(text), { op: 'message', topic, offset, data: JSON.parse(data) });
      assert.deepEqual(readMessageHeader(Buffer.from(text)), { topic, offset });
    });
  }

  it('refuses bytes that are not a message frame', () => {
    for (const text of [
      '',
      '{"op":"ping"}',
      '{"op":"message","topic":"t","offset":x,"data":1}',
      '{"op":"message","topic":"t","offset":,"data":1}',
      'garbage'.repeat(10),
    ]) {
      assert.equal(readMessageHeader(Buffer.from(text)), null, text);
    }
  });

  it('reads a header from a slice of a larger buffer', () => {
    const big = Buffer.from(`xxxx${encodeMessageFrame('t', 7, '1')}`);
    assert.deepEqual(readMessageHeader(big.subarray(4)), { topic: 't', offset: 7 });
  });
});

describe('control frames and codes', () => {
  it('encodes frames as JSON and leaves out an absent id', () => {
    assert.equal(encodeServerFrame({ op: 'ping' }), '{"op":"ping"}');
    assert.deepEqual(JSON.parse(encodeServerFrame({ op: 'error', id: undefined, code: ErrorCode.Forbidden, message: 'no' })), {
      op: 'error',
      code: 'forbidden',
      message: 'no',
    });
  });

  it('has the contract close codes', () => {
    assert.deepEqual(CloseCode, {
      Normal: 1000,
      GoingAway: 1001,
      OriginRefused: 1008,
      TooLarge: 1009,
      Unauthorized: 4001,
      Forbidden: 4003,
      Timeout: 4008,
      RateLimited: 4029,
      ProtocolError: 4400,
    });
    assert.deepEqual(Object.values(ErrorCode).sort(), [
      'bad_request',
      'bad_topic',
      'forbidden',
      'idempotency_conflict',
      'rate_limited',
      'too_large',
      'too_many_subscriptions',
      'unauthorized',
      'unavailable',
    ]);
  });
});
