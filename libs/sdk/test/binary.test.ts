import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { encodeBinaryMessageFrame, encodeBinaryPublishFrame } from '@switchboard/protocol';
import { binaryPublishId, bytesOf, encodeBinaryPublish, parseBinaryMessage } from '../src/binary.js';
import { parseServerFrame } from '../src/frames.js';

/** The SDK's own codec (browser-safe, no Buffer) against the server's (libs/protocol). */
describe('SDK binary frames', () => {
  it('reads the server binary message frame the edge sends', () => {
    for (const [topic, offset, size] of [
      ['t', 1, 256],
      ['a.b.c', null, 0],
      ['x'.repeat(255), 2 ** 40 + 3, 70_000],
    ] as const) {
      const bytes = randomBytes(size);
      const frame = encodeBinaryMessageFrame(topic, offset, bytes);
      const message = parseBinaryMessage(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength));
      assert.deepEqual(message && { ...message, data: Buffer.from(message.data) }, { topic, offset, data: bytes });
    }
    assert.equal(parseBinaryMessage(new Uint8Array([0x70, 1, 0x61, 0, 0, 0, 0, 0, 0, 0, 1])), null);
    assert.equal(parseBinaryMessage(new Uint8Array([0x6d, 9, 0x61])), null);
  });

  it('builds the binary publish frame the edge reads, byte for byte', () => {
    const bytes = randomBytes(256);
    const sdk = encodeBinaryPublish('chat.room', 42, bytes);
    assert.deepEqual(Buffer.from(sdk), encodeBinaryPublishFrame('chat.room', 42, bytes));
    assert.equal(binaryPublishId(sdk), 42);
    assert.throws(() => encodeBinaryPublish('é', 1, bytes), RangeError);
  });

  it('decodes base64 data with "encoding":"base64" (SSE, long-poll) to a Uint8Array; JSON data stays JSON', () => {
    const bytes = randomBytes(100);
    const frame = parseServerFrame(
      JSON.stringify({ op: 'message', topic: 't', offset: 3, encoding: 'base64', data: bytes.toString('base64') }),
    );
    assert.ok(frame?.op === 'message' && frame.data instanceof Uint8Array);
    assert.deepEqual(Buffer.from(frame.data), bytes);
    assert.deepEqual(parseServerFrame('{"op":"message","topic":"t","offset":4,"data":"AAEC"}'), {
      op: 'message',
      topic: 't',
      offset: 4,
      data: 'AAEC',
    });
    assert.equal(parseServerFrame('{"op":"message","topic":"t","offset":4,"encoding":"base64","data":"%%%"}'), null);
  });

  it('takes binary messages as ArrayBuffer (browsers) or a Buffer view (ws)', () => {
    const buffer = Buffer.from([1, 2, 3]);
    assert.deepEqual(bytesOf(new Uint8Array([1, 2, 3]).buffer), new Uint8Array([1, 2, 3]));
    assert.deepEqual([...(bytesOf(buffer.subarray(1)) ?? [])], [2, 3]);
    assert.equal(bytesOf('text'), null);
  });
});
