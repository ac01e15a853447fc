import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enqueue, FLUSH_AT_BYTES, flushOwner, type QueueOwner } from '../src/transport/websocket/write-coalescer.js';

/** A socket stand-in that records what reaches it: each system call is one entry of `writes`. */
class FakeOwner implements QueueOwner {
  queueHead = -1;
  queueTail = -1;
  queuedBytes = 0;
  readonly writes: string[][] = [];
  private corked: string[] | null = null;

  writeOut(frame: Buffer): void {
    if (this.corked !== null) this.corked.push(frame.toString());
    else this.writes.push([frame.toString()]);
  }

  cork(): void {
    this.corked = [];
  }

  uncork(): void {
    if (this.corked !== null && this.corked.length > 0) this.writes.push(this.corked);
    this.corked = null;
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const frame = (text: string) => Buffer.from(text);

describe('write coalescer', () => {
  it('writes the frames of one turn to each owner in one call, in order', async () => {
    const a = new FakeOwner();
    const b = new FakeOwner();
    const shared = frame('m1');
    enqueue(a, shared);
    enqueue(b, shared);
    enqueue(a, frame('m2'));
    enqueue(b, frame('ack'));
    enqueue(a, frame('m3'));
    assert.equal(a.writes.length, 0, 'nothing is written before the end of the turn');
    assert.equal(a.queuedBytes, 6);
    await turn();
    assert.deepEqual(a.writes, [['m1', 'm2', 'm3']]);
    assert.deepEqual(b.writes, [['m1', 'ack']]);
    assert.equal(a.queuedBytes, 0);
    assert.equal(a.queueHead, -1);
  });

  it('writes a single frame without corking, and starts over on the next turn', async () => {
    const a = new FakeOwner();
    enqueue(a, frame('one'));
    await turn();
    enqueue(a, frame('two'));
    enqueue(a, frame('three'));
    await turn();
    assert.deepEqual(a.writes, [['one'], ['two', 'three']]);
  });

  it('flushOwner writes what is queued at once (before a close), and the turn flush skips it', async () => {
    const a = new FakeOwner();
    enqueue(a, frame('error'));
    flushOwner(a);
    assert.deepEqual(a.writes, [['error']]);
    flushOwner(a);
    await turn();
    assert.deepEqual(a.writes, [['error']], 'nothing twice');
  });

  it(`writes an owner's queue as soon as it holds ${FLUSH_AT_BYTES} bytes (bounded staging)`, async () => {
    const a = new FakeOwner();
    const big = Buffer.alloc(FLUSH_AT_BYTES / 2, 0x61);
    enqueue(a, big);
    assert.equal(a.writes.length, 0);
    enqueue(a, big);
    assert.equal(a.writes.length, 1, 'written at the threshold');
    assert.equal(a.queuedBytes, 0);
    enqueue(a, frame('after'));
    await turn();
    assert.equal(a.writes.length, 2);
    assert.deepEqual(a.writes[1], ['after']);
  });
});
