import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OrderedRelease, type Slot } from '../src/ordered-release.js';

describe('OrderedRelease', () => {
  it('runs each key’s work in reservation order, whatever order it becomes ready in', () => {
    const release = new OrderedRelease();
    const ran: string[] = [];
    const [s0, s1, s2, s3] = [0, 1, 2, 3].map(() => release.reserve('t')) as [Slot, Slot, Slot, Slot];
    const other = release.reserve('u');
    release.ready('t', s2, () => ran.push('t2'));
    release.ready('t', s1, () => ran.push('t1'));
    assert.equal(ran.length, 0);
    release.ready('u', other, () => ran.push('u0'));
    assert.deepEqual(ran, ['u0'], 'another key does not wait');
    release.ready('t', s0, () => ran.push('t0'));
    assert.deepEqual(ran, ['u0', 't0', 't1', 't2'], 'the head runs, and every ready slot behind it in the same call');
    release.ready('t', s3, () => ran.push('t3'));
    assert.deepEqual(ran, ['u0', 't0', 't1', 't2', 't3']);
    assert.equal(release.size, 0, 'a drained key is forgotten');
  });

  it('keeps the line moving past work that throws', () => {
    const release = new OrderedRelease();
    const ran: number[] = [];
    const first = release.reserve('t');
    const second = release.reserve('t');
    release.ready('t', second, () => ran.push(2));
    release.ready('t', first, () => {
      throw new Error('broken piece');
    });
    assert.deepEqual(ran, [2]);
    assert.equal(release.size, 0);
  });

  it('accepts new reservations while a line drains', () => {
    const release = new OrderedRelease();
    const ran: number[] = [];
    const first = release.reserve('t');
    release.ready('t', first, () => {
      ran.push(1);
      const late = release.reserve('t');
      release.ready('t', late, () => ran.push(2));
    });
    assert.deepEqual(ran, [1, 2]);
    assert.equal(release.size, 0);
  });
});
