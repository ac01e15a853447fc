import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LINGER_MS, LINGER_TARGET, TopicQueues } from '../topic-queues.js';

interface Item {
  topic: string;
  n: number;
}

const item = (topic: string, n: number): Item => ({ topic, n });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Queues whose linger-over callback counts its calls. */
function queues() {
  const calls = { lingerOver: 0 };
  return { q: new TopicQueues<Item>(() => calls.lingerOver++), calls };
}

describe('topic queues: group commit', () => {
  it('an idle topic is ready at once; a topic with a record in flight holds its appends until it settles', () => {
    const { q } = queues();
    q.push(item('a', 1));
    assert.equal(q.nextReady(), 'a');
    assert.deepEqual(q.take('a', 1), [item('a', 1)]);
    q.push(item('a', 2));
    q.push(item('b', 1));
    assert.equal(q.isReady('a'), false, 'a has a record in flight');
    assert.equal(q.nextReady(), 'b', 'another topic is not held up');
    q.settled('a', 0);
    assert.equal(q.isReady('a'), true, 'a failed record starts no wait');
    assert.deepEqual(q.queued('a'), [item('a', 2)]);
  });

  it('an ack with nothing queued behind it starts no wait: the next append goes at once', () => {
    const { q } = queues();
    q.push(item('a', 1));
    q.take('a', 1);
    q.settled('a', 1);
    q.push(item('a', 2));
    assert.equal(q.isReady('a'), true);
  });

  it('requeue puts retries in front and ready, even while the topic lingers', () => {
    const { q } = queues();
    for (let n = 0; n < 5; n++) q.push(item('a', n));
    q.take('a', 4);
    q.settled('a', 4);
    assert.equal(q.isReady('a'), false, 'lingering: 1 queued of a target of 5');
    q.requeue(item('a', -1));
    assert.equal(q.isReady('a'), true);
    assert.deepEqual(
      q.queued('a').map((i) => i.n),
      [-1, 4],
    );
  });
});

describe('topic queues: linger', () => {
  it('after an ack, waits for as many appends as were answered plus queued, then is ready', () => {
    const { q } = queues();
    for (let n = 0; n < 13; n++) q.push(item('a', n));
    q.take('a', 10);
    q.settled('a', 10); // 3 queued, target 13: the 10 answered callers may publish again
    assert.equal(q.isReady('a'), false);
    for (let n = 13; n < 22; n++) q.push(item('a', n));
    assert.equal(q.isReady('a'), false, '12 queued');
    q.push(item('a', 22));
    assert.equal(q.isReady('a'), true, '13 queued: the wait ends early');
    assert.equal(q.take('a', 13).length, 13);
  });

  it('the target is at most LINGER_TARGET (one record’s worth)', () => {
    const { q } = queues();
    for (let n = 0; n < 2 * LINGER_TARGET; n++) q.push(item('a', n));
    q.take('a', LINGER_TARGET);
    q.settled('a', LINGER_TARGET);
    assert.equal(q.isReady('a'), true, `${LINGER_TARGET} queued: a full record, no wait`);
    q.take('a', LINGER_TARGET);
    q.push(item('a', 1));
    q.settled('a', LINGER_TARGET);
    assert.equal(q.isReady('a'), false);
    for (let n = 1; n < LINGER_TARGET - 1; n++) q.push(item('a', n));
    assert.equal(q.isReady('a'), false, `${LINGER_TARGET - 1} queued`);
    q.push(item('a', 0));
    assert.equal(q.isReady('a'), true, `${LINGER_TARGET} queued`);
  });

  it('does not wait when the next append goes alone (a keyed one): waiting would not enlarge its record', () => {
    const q = new TopicQueues<Item>(
      () => undefined,
      (i) => i.n < 0,
    );
    for (let n = 0; n < 3; n++) q.push(item('a', n));
    q.push(item('a', -1));
    q.take('a', 3);
    q.settled('a', 3);
    assert.equal(q.isReady('a'), true, 'the keyed append goes at once');
    q.take('a', 1);
    q.push(item('a', 5));
    q.settled('a', 1);
    assert.equal(q.isReady('a'), false, 'an unkeyed one behind an ack waits for company');
  });

  it('ends by time when no more appends come, and says so once', async () => {
    const { q, calls } = queues();
    for (let n = 0; n < 4; n++) q.push(item('a', n));
    q.push(item('b', 0));
    q.take('a', 2);
    q.take('b', 1);
    q.settled('a', 2);
    q.push(item('b', 1));
    q.settled('b', 1);
    assert.equal(q.nextReady(), undefined, 'both linger');
    const started = performance.now();
    while (q.nextReady() === undefined && performance.now() - started < 1000) await sleep(1);
    const waited = performance.now() - started;
    assert.ok(waited >= LINGER_MS * 0.9 && waited < 200, `waited ${waited.toFixed(1)} ms`);
    assert.equal(q.isReady('a'), true);
    assert.equal(q.isReady('b'), true);
    assert.equal(calls.lingerOver, 1);
  });

  it('dropAll ends every wait: nothing becomes ready later', async () => {
    const { q, calls } = queues();
    for (let n = 0; n < 4; n++) q.push(item('a', n));
    q.take('a', 2);
    q.settled('a', 2);
    assert.deepEqual(
      q.dropAll().map((i) => i.n),
      [2, 3],
    );
    await sleep(LINGER_MS * 5 + 5);
    assert.equal(calls.lingerOver, 0);
    assert.equal(q.nextReady(), undefined);
  });
});
