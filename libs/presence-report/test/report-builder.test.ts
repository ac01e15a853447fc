import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DeltaReport, type FullReport, type PresenceSource, ReportBuilder } from '../src/index.js';

/** A node's state as plain data: topic -> users of its subscribers (null = unauthenticated). */
class FakeSource implements PresenceSource {
  readonly nodeId = 'edge-1';
  topicsState = new Map<string, Array<string | null>>();
  connections: Array<string | null> = [];
  deliveries = 0;
  totals() {
    let subs = 0;
    for (const users of this.topicsState.values()) subs += users.length;
    return { conns: this.connections.length, subs, deliveries: this.deliveries };
  }
  *topics(): Iterable<readonly [string, ReadonlySet<{ session: { user: string | null } }>]> {
    for (const [topic, users] of this.topicsState) yield [topic, new Set(users.map((user) => ({ session: { user } })))];
  }
  connectionUsers() {
    return this.connections;
  }
}

const at = 1_700_000_000_000;

describe('ReportBuilder', () => {
  it('sends a full report first, then deltas of what changed', () => {
    const source = new FakeSource();
    source.topicsState.set('a', [null, null]);
    source.topicsState.set('b', ['u1']);
    source.connections = [null, null, 'u1'];
    const builder = new ReportBuilder('edge-1', 2000, { inc: 'i1' });
    const first = builder.build(source, { full: false, at });
    assert.equal(first.reports.length, 1);
    const full = first.reports[0] as FullReport;
    assert.equal(full.kind, 'full');
    assert.deepEqual(full.topics, [
      ['a', 2],
      ['b', 1, ['u1']],
    ]);
    assert.deepEqual(full.users, ['u1']);
    assert.deepEqual([full.seq, full.conns, full.subs, full.part, full.parts], [1, 3, 3, 0, 1]);
    first.commit();

    const empty = builder.build(source, { full: false, at: at + 2000 });
    assert.deepEqual((empty.reports[0] as DeltaReport).topics, []);
    assert.equal(empty.reports[0]?.seq, 2);
    empty.commit();

    source.topicsState.delete('a');
    source.topicsState.set('b', ['u1', 'u2']);
    source.topicsState.set('c', [null]);
    source.connections = ['u1', 'u2', null];
    const changed = builder.build(source, { full: false, at: at + 4000 }).reports[0] as DeltaReport;
    assert.equal(changed.kind, 'delta');
    assert.deepEqual(
      changed.topics.sort((x, y) => x[0].localeCompare(y[0])),
      [
        ['a', 0],
        ['b', 2, ['u2']],
        ['c', 1],
      ],
    );
    assert.deepEqual([changed.usersOn, changed.usersOff], [['u2'], []]);
  });

  it('a report not committed (publish failed) leaves the base unchanged but burns its seq', () => {
    const source = new FakeSource();
    const builder = new ReportBuilder('edge-1', 2000);
    builder.build(source, { full: false, at }).commit();
    source.topicsState.set('x', [null]);
    const lost = builder.build(source, { full: false, at });
    assert.equal(lost.reports[0]?.seq, 2);
    const again = builder.build(source, { full: false, at }).reports[0] as DeltaReport;
    assert.equal(again.seq, 3);
    assert.deepEqual(again.topics, [['x', 1]]);
  });

  it('cuts a big full report into parts, and sends a full report instead of an oversized delta', () => {
    const source = new FakeSource();
    for (let i = 0; i < 3000; i++) source.topicsState.set(`topic.number-${i}`, [null]);
    source.connections = Array.from({ length: 3000 }, (_, i) => `user-${i}`);
    const builder = new ReportBuilder('edge-1', 2000, { maxPartBytes: 16 * 1024 });
    const built = builder.build(source, { full: true, at });
    const parts = built.reports as FullReport[];
    assert.ok(parts.length >= 5, `${parts.length} parts`);
    assert.ok(parts.every((p, i) => p.kind === 'full' && p.part === i && p.parts === parts.length && p.seq === 1));
    assert.equal(parts.flatMap((p) => p.topics).length, 3000);
    assert.equal(parts.flatMap((p) => p.users).length, 3000);
    for (const p of parts) assert.ok(JSON.stringify(p).length < 20 * 1024);
    built.commit();
    for (let i = 0; i < 3000; i++) source.topicsState.set(`other.topic-${i}`, [null]);
    const next = builder.build(source, { full: false, at }).reports;
    assert.equal(next[0]?.kind, 'full');
    assert.ok(next.length > 5);
  });

  it('bye takes the next sequence number', () => {
    const builder = new ReportBuilder('edge-1', 2000, { inc: 'z' });
    builder.build(new FakeSource(), { full: false, at }).commit();
    assert.deepEqual(builder.bye({ conns: 0, subs: 0, deliveries: 4 }, at), {
      v: 1,
      node: 'edge-1',
      inc: 'z',
      seq: 2,
      at,
      interval: 2000,
      conns: 0,
      subs: 0,
      deliveries: 4,
      kind: 'bye',
    });
  });
});
