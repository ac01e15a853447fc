import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timestampOf } from '../src/latency-recorder.js';

const frame = (data: string) => Buffer.from(`{"op":"message","topic":"bench.t","offset":7,"data":${data}}`);

describe('timestampOf', () => {
  it('reads the timestamp that ends the data at its fixed place', () => {
    const buf = frame('{"seq":1,"body":"xx","ts":1732190000123456}');
    assert.equal(timestampOf(buf, 0, buf.length), 1732190000123456);
  });

  it('finds it elsewhere in the data, and reads a frame inside a larger read', () => {
    const one = frame('{"ts":1732190000000001,"seq":2}');
    const buf = Buffer.concat([Buffer.from('junk'), one, Buffer.from('more')]);
    assert.equal(timestampOf(buf, 4, 4 + one.length), 1732190000000001);
  });

  it('answers -1 when the frame has no timestamp, even if a later frame has one', () => {
    const none = frame('{"seq":3}');
    const buf = Buffer.concat([none, frame('{"ts":1732190000000002}')]);
    assert.equal(timestampOf(buf, 0, none.length), -1);
  });
});
