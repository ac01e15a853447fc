import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DecodeResult, decodeClientFrame, ErrorCode } from '../src/index.js';

type Expect = { frame: unknown } | { fatal: true } | { code: string; id?: number };

const cases: Array<[string, string, Expect]> = [
  ['subscribe', '{"op":"subscribe","id":1,"topic":"t"}', { frame: { op: 'subscribe', id: 1, topic: 't' } }],
  [
    'subscribe with since',
    '{"op":"subscribe","id":1,"topic":"t","since":{"offset":41,"epoch":"e"}}',
    { frame: { op: 'subscribe', id: 1, topic: 't', since: { offset: 41, epoch: 'e' } } },
  ],
  [
    'subscribe since without epoch',
    '{"op":"subscribe","topic":"t","since":{"offset":0}}',
    { frame: { op: 'subscribe', topic: 't', since: { offset: 0 } } },
  ],
  ['subscribe wildcard', '{"op":"subscribe","topic":"a.>"}', { frame: { op: 'subscribe', topic: 'a.>' } }],
  ['unsubscribe', '{"op":"unsubscribe","id":2,"topic":"t"}', { frame: { op: 'unsubscribe', id: 2, topic: 't' } }],
  [
    'publish keeps data as JSON text',
    '{"op":"publish","id":3,"topic":"t","data":{"a":[1,"x"]}}',
    { frame: { op: 'publish', id: 3, topic: 't', data: '{"a":[1,"x"]}' } },
  ],
  ['publish null data', '{"op":"publish","topic":"t","data":null}', { frame: { op: 'publish', topic: 't', data: 'null' } }],
  ['connect', '{"op":"connect","token":"abc"}', { frame: { op: 'connect', token: 'abc' } }],
  ['refresh', '{"op":"refresh","id":4,"token":"abc"}', { frame: { op: 'refresh', id: 4, token: 'abc' } }],
  ['pong', '{"op":"pong"}', { frame: { op: 'pong' } }],
  ['unknown fields are ignored', '{"op":"pong","extra":true}', { frame: { op: 'pong' } }],
  ['not JSON', '{op:subscribe}', { fatal: true }],
  ['empty', '', { fatal: true }],
  ['array', '[1,2]', { fatal: true }],
  ['string', '"subscribe"', { fatal: true }],
  ['null', 'null', { fatal: true }],
  ['unknown op', '{"op":"launch"}', { fatal: true }],
  ['missing op', '{"topic":"t"}', { fatal: true }],
  ['numeric op', '{"op":1}', { fatal: true }],
  ['bad topic', '{"op":"subscribe","id":5,"topic":"a b"}', { code: ErrorCode.BadTopic, id: 5 }],
  ['empty topic', '{"op":"subscribe","id":5,"topic":""}', { code: ErrorCode.BadTopic, id: 5 }],
  ['long topic', `{"op":"subscribe","topic":"${'x'.repeat(256)}"}`, { code: ErrorCode.BadTopic }],
  ['missing topic', '{"op":"subscribe","id":6}', { code: ErrorCode.BadRequest, id: 6 }],
  ['numeric topic', '{"op":"unsubscribe","id":6,"topic":7}', { code: ErrorCode.BadRequest, id: 6 }],
  ['publish to a wildcard', '{"op":"publish","id":7,"topic":"a.*","data":1}', { code: ErrorCode.BadTopic, id: 7 }],
  ['publish without data', '{"op":"publish","id":8,"topic":"t"}', { code: ErrorCode.BadRequest, id: 8 }],
  ['negative since', '{"op":"subscribe","id":9,"topic":"t","since":{"offset":-1}}', { code: ErrorCode.BadRequest, id: 9 }],
  ['fractional since', '{"op":"subscribe","id":9,"topic":"t","since":{"offset":1.5}}', { code: ErrorCode.BadRequest, id: 9 }],
  ['since not an object', '{"op":"subscribe","id":9,"topic":"t","since":5}', { code: ErrorCode.BadRequest, id: 9 }],
  ['numeric epoch', '{"op":"subscribe","id":9,"topic":"t","since":{"offset":1,"epoch":3}}', { code: ErrorCode.BadRequest, id: 9 }],
  ['string id', '{"op":"subscribe","id":"1","topic":"t"}', { code: ErrorCode.BadRequest }],
  ['connect without token', '{"op":"connect"}', { code: ErrorCode.BadRequest }],
  ['refresh with empty token', '{"op":"refresh","id":1,"token":""}', { code: ErrorCode.BadRequest, id: 1 }],
];

function check(result: DecodeResult, expected: Expect): void {
  if ('frame' in expected) {
    assert.ok(result.ok, `expected a frame, got ${JSON.stringify(result)}`);
    assert.deepEqual(result.frame, expected.frame);
  } else if ('fatal' in expected) {
    assert.ok(!result.ok && result.error.fatal, `expected a fatal error, got ${JSON.stringify(result)}`);
  } else {
    assert.ok(!result.ok && !result.error.fatal, `expected a refusal, got ${JSON.stringify(result)}`);
    assert.equal(result.error.code, expected.code);
    assert.equal(result.error.id, expected.id);
    assert.ok(result.error.message.length > 0);
  }
}

describe('decodeClientFrame', () => {
  for (const [name, text, expected] of cases) it(name, () => check(decodeClientFrame(text), expected));

  it('survives deeply nested data without throwing', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const result = decodeClientFrame(`{"op":"publish","id":1,"topic":"t","data":${deep}}`);
    assert.equal(typeof result.ok, 'boolean');
    const deepInvalid = `{"op":"publish","topic":"t","data":${'{"a":'.repeat(50_000)}1`;
    assert.equal(decodeClientFrame(deepInvalid).ok, false);
  });

  it('never throws on random input', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = '{}[]":,.0123456789-eE+ \\/optsubcrinaedlfy*>\u0000\u00e9\ud83d';
    for (let i = 0; i < 5000; i++) {
      let text = '';
      const length = Math.floor(random() * 80);
      for (let j = 0; j < length; j++) text += alphabet[Math.floor(random() * alphabet.length)];
      const result = decodeClientFrame(text);
      assert.equal(typeof result.ok, 'boolean');
    }
  });
});
