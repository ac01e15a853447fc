import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ENVELOPE_TIME_BYTES,
  ENVELOPE_TRACE_BYTES,
  encodeBusMessage,
  encodeEnvelope,
  encodeMessageFrame,
  envelopeLength,
  readEnvelope,
  readMessageHeader,
} from '../src/index.js';

describe('bus envelope', () => {
  const frame = encodeMessageFrame('a.b', 7, '{"x":[1,2]}');
  const trace = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };

  it('nothing to carry: the bus message is the frame, byte for byte', () => {
    const bytes = encodeBusMessage(frame, encodeEnvelope(null, null));
    assert.deepEqual(bytes, Buffer.from(frame));
    assert.equal(envelopeLength(bytes), 0);
    assert.equal(readEnvelope(bytes), null);
  });

  it('publish time: 9 bytes, then the frame', () => {
    const bytes = encodeBusMessage(frame, encodeEnvelope(1_700_000_000_123.25, null));
    assert.equal(bytes.length, ENVELOPE_TIME_BYTES + Buffer.byteLength(frame));
    assert.deepEqual(readEnvelope(bytes), { publishedAt: 1_700_000_000_123.25, trace: null });
    assert.deepEqual(readMessageHeader(bytes.subarray(envelopeLength(bytes))), { topic: 'a.b', offset: 7 });
  });

  it('trace context: 34 bytes, ids and flags round-trip, the frame follows untouched', () => {
    const bytes = encodeBusMessage(frame, encodeEnvelope(42.5, trace));
    assert.equal(envelopeLength(bytes), ENVELOPE_TRACE_BYTES);
    assert.deepEqual(readEnvelope(bytes), { publishedAt: 42.5, trace });
    assert.equal(Buffer.from(bytes.subarray(ENVELOPE_TRACE_BYTES)).toString(), frame);
  });

  it('truncated or foreign bytes are not an envelope', () => {
    assert.equal(envelopeLength(Buffer.from([2, 1, 2])), 0);
    assert.equal(envelopeLength(Buffer.from([1])), 0);
    assert.equal(envelopeLength(Buffer.alloc(0)), 0);
    assert.equal(envelopeLength(Buffer.from('xyz')), 0);
  });
});
