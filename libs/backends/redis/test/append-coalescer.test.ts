import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppendCoalescer, MAX_MESSAGES_PER_CALL } from '../append-coalescer.js';
import type { AppendMessage, AppendReply } from '../append-script.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));
const message = (data: string): AppendMessage => ({ data, envelope: undefined });

/** A fake store: records each call and answers it when the test says so. */
function fakeStore() {
  const calls: Array<{ topic: string; data: string[]; answer: (reply: AppendReply) => void; fail: (err: Error) => void }> = [];
  const next = new Map<string, number>();
  const coalescer = new AppendCoalescer(
    (topic, messages) =>
      new Promise<AppendReply>((resolve, reject) => {
        const first = next.get(topic) ?? 1;
        next.set(topic, first + messages.length);
        calls.push({ topic, data: messages.map((m) => String(m.data)), answer: () => resolve([first, 'e']), fail: reject });
      }),
  );
  return { calls, coalescer };
}

describe('AppendCoalescer', () => {
  it("sends a topic's appends of one turn as one call at the end of the turn", async () => {
    const { calls, coalescer } = fakeStore();
    const tips = [coalescer.add('a', message('1')), coalescer.add('a', message('2')), coalescer.add('b', message('x'))];
    assert.equal(calls.length, 0);
    await turn();
    assert.deepEqual(
      calls.map((c) => [c.topic, c.data]),
      [
        ['a', ['1', '2']],
        ['b', ['x']],
      ],
    );
    for (const call of calls) call.answer([0, '']);
    assert.deepEqual(await Promise.all(tips), [
      { offset: 1, epoch: 'e' },
      { offset: 2, epoch: 'e' },
      { offset: 1, epoch: 'e' },
    ]);
  });

  it('holds the appends made while a call of the topic is in flight and sends them together when it answers', async () => {
    const { calls, coalescer } = fakeStore();
    const first = coalescer.add('a', message('1'));
    await turn();
    const later = [coalescer.add('a', message('2'))];
    await turn();
    later.push(coalescer.add('a', message('3')));
    const other = coalescer.add('b', message('x'));
    await turn();
    // `a` waits for its call in flight; `b` has none and goes at the end of its turn.
    assert.deepEqual(
      calls.map((c) => c.data),
      [['1'], ['x']],
    );
    calls[0]?.answer([0, '']);
    assert.deepEqual(await first, { offset: 1, epoch: 'e' });
    assert.deepEqual(
      calls.map((c) => c.data),
      [['1'], ['x'], ['2', '3']],
    );
    calls[1]?.answer([0, '']);
    calls[2]?.answer([0, '']);
    assert.deepEqual(await Promise.all([...later, other]), [
      { offset: 2, epoch: 'e' },
      { offset: 3, epoch: 'e' },
      { offset: 1, epoch: 'e' },
    ]);
  });

  it('sends the waiting appends after a failed call too, and rejects only the failed ones', async () => {
    const { calls, coalescer } = fakeStore();
    const failed = coalescer.add('a', message('1'));
    await turn();
    const next = coalescer.add('a', message('2'));
    calls[0]?.fail(new Error('down'));
    await assert.rejects(failed, /down/);
    assert.equal(calls.length, 2);
    calls[1]?.answer([0, '']);
    assert.deepEqual(await next, { offset: 2, epoch: 'e' });
  });

  it('flush sends the waiting appends at once, in flight or not (an idempotent append follows them)', async () => {
    const { calls, coalescer } = fakeStore();
    coalescer.add('a', message('1'));
    await turn();
    coalescer.add('a', message('2'));
    coalescer.flush('a');
    assert.deepEqual(
      calls.map((c) => c.data),
      [['1'], ['2']],
    );
  });

  it('splits a group at MAX_MESSAGES_PER_CALL, in order (the rest follows the reply)', async () => {
    const { calls, coalescer } = fakeStore();
    for (let i = 0; i < MAX_MESSAGES_PER_CALL + 1; i++) coalescer.add('a', message(String(i)));
    await turn();
    assert.deepEqual(
      calls.map((c) => c.data.length),
      [MAX_MESSAGES_PER_CALL],
    );
    calls[0]?.answer([0, '']);
    await turn();
    assert.deepEqual(
      calls.map((c) => c.data.length),
      [MAX_MESSAGES_PER_CALL, 1],
    );
    assert.equal(calls[1]?.data[0], String(MAX_MESSAGES_PER_CALL));
  });
});
