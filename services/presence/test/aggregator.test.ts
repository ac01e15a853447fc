import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeltaReport, DeltaTopicEntry, FullReport, FullTopicEntry, ReportHeader } from '@switchboard/presence-report';
import { PresenceAggregator } from '../src/aggregator.js';
import { type UserTransition, userEventOf } from '../src/user-transition.js';

const INTERVAL = 1000;

/** An aggregator on a fake clock that records its transitions and sync requests. */
function setup(quietMs = 0) {
  const clock = { now: 1_000_000 };
  const transitions: UserTransition[] = [];
  const syncs: string[] = [];
  const aggregator = new PresenceAggregator({
    intervalMs: INTERVAL,
    quietMs,
    now: () => clock.now,
    onTransition: (t) => transitions.push(t),
    onSyncNeeded: (node) => syncs.push(node),
  });
  const events = () => transitions.splice(0).map((t) => `${t.event}:${t.user}`);
  return { clock, aggregator, syncs, events, transitions };
}

const head = (node: string, seq: number, totals: Partial<ReportHeader> = {}): ReportHeader => ({
  v: 1,
  node,
  inc: 'i1',
  seq,
  at: 5_000_000 + seq * INTERVAL,
  interval: INTERVAL,
  conns: 0,
  subs: 0,
  deliveries: 0,
  ...totals,
});

const full = (node: string, seq: number, topics: FullTopicEntry[], users: string[] = [], extra: Partial<FullReport> = {}): FullReport => ({
  ...head(node, seq),
  kind: 'full',
  part: 0,
  parts: 1,
  topics,
  users,
  ...extra,
});

const delta = (
  node: string,
  seq: number,
  topics: DeltaTopicEntry[],
  usersOn: string[] = [],
  usersOff: string[] = [],
  extra: Partial<DeltaReport> = {},
): DeltaReport => ({
  ...head(node, seq),
  kind: 'delta',
  topics,
  usersOn,
  usersOff,
  ...extra,
});

describe('PresenceAggregator', () => {
  it('builds the view from a full report and applies deltas in sequence', () => {
    const { aggregator, events } = setup();
    aggregator.receive(
      full(
        'edge-1',
        1,
        [
          ['chat.a', 2, ['u1']],
          ['chat.b', 1],
        ],
        ['u1'],
        { conns: 3, subs: 3 },
      ),
    );
    aggregator.receive(full('edge-2', 1, [['chat.a', 1, ['u2']]], ['u2'], { conns: 1, subs: 1 }));
    assert.deepEqual(events(), ['online:u1', 'online:u2']);
    let summary = aggregator.summary();
    assert.deepEqual([summary.connections, summary.subscriptions, summary.topics, summary.users], [4, 4, 2, 2]);
    assert.deepEqual(aggregator.topic('chat.a'), { topic: 'chat.a', subscribers: 3, users: ['u1', 'u2'] });

    aggregator.receive(
      delta(
        'edge-1',
        2,
        [
          ['chat.a', 1, [], ['u1']],
          ['chat.b', 0],
          ['chat.c', 4, ['u1']],
        ],
        [],
        [],
        { conns: 5, subs: 5 },
      ),
    );
    summary = aggregator.summary();
    assert.deepEqual([summary.connections, summary.subscriptions], [6, 6]);
    assert.deepEqual(aggregator.topic('chat.a'), { topic: 'chat.a', subscribers: 2, users: ['u2'] });
    assert.deepEqual(aggregator.topic('chat.b'), { topic: 'chat.b', subscribers: 0, users: [] });
    assert.deepEqual(aggregator.user('u1'), { user: 'u1', online: true, topics: ['chat.c'], nodes: ['edge-1'] });
    assert.deepEqual(aggregator.top(2), {
      topics: [
        { topic: 'chat.c', subscribers: 4 },
        { topic: 'chat.a', subscribers: 2 },
      ],
      count: 2,
    });

    aggregator.receive(delta('edge-1', 3, [['chat.c', 0]], [], ['u1']));
    assert.deepEqual(events(), ['offline:u1']);
    assert.deepEqual(aggregator.user('u1'), { user: 'u1', online: false, topics: [], nodes: [] });
    assert.equal(
      aggregator.nodes().every((n) => n.synced),
      true,
    );
  });

  it('a user on two nodes goes offline only when the last one lets go', () => {
    const { aggregator, events } = setup();
    aggregator.receive(full('edge-1', 1, [], ['u1']));
    aggregator.receive(full('edge-2', 1, [], ['u1']));
    assert.deepEqual(events(), ['online:u1']);
    aggregator.receive(delta('edge-1', 2, [], [], ['u1']));
    assert.deepEqual(events(), []);
    aggregator.receive(delta('edge-2', 2, [], [], ['u1']));
    assert.deepEqual(events(), ['offline:u1']);
  });

  it('a missed delta stops applying deltas and asks for a full report; the full report repairs', () => {
    const { aggregator, syncs, events } = setup();
    aggregator.receive(full('edge-1', 1, [['t', 1]], [], { conns: 1, subs: 1 }));
    // seq 2 is lost; seq 3 cannot be applied on top of seq 1.
    aggregator.receive(
      delta(
        'edge-1',
        3,
        [
          ['t', 3],
          ['u', 1],
        ],
        ['u9'],
        [],
        { conns: 4, subs: 4 },
      ),
    );
    assert.deepEqual(syncs, ['edge-1']);
    assert.equal(aggregator.nodes()[0]?.synced, false);
    assert.equal(aggregator.topic('t').subscribers, 1, 'the delta was not applied');
    assert.equal(aggregator.summary().connections, 4, 'the absolute counters are');
    aggregator.receive(delta('edge-1', 4, [['t', 2]], [], [], { conns: 4, subs: 4 }));
    assert.equal(aggregator.topic('t').subscribers, 1, 'still waiting for the full report');
    aggregator.receive(
      full(
        'edge-1',
        5,
        [
          ['t', 2],
          ['u', 1],
        ],
        ['u9'],
        { conns: 4, subs: 3 },
      ),
    );
    assert.equal(aggregator.nodes()[0]?.synced, true);
    assert.deepEqual([aggregator.topic('t').subscribers, aggregator.topic('u').subscribers], [2, 1]);
    assert.deepEqual(events(), ['online:u9']);
    aggregator.receive(delta('edge-1', 6, [['u', 0]]));
    assert.equal(aggregator.topic('u').subscribers, 0);
  });

  it('ignores late and repeated deltas', () => {
    const { aggregator, syncs } = setup();
    aggregator.receive(full('edge-1', 1, [['t', 1]]));
    aggregator.receive(delta('edge-1', 2, [['t', 2]]));
    aggregator.receive(delta('edge-1', 2, [['t', 5]]));
    aggregator.receive(delta('edge-1', 1, [['t', 9]]));
    assert.equal(aggregator.topic('t').subscribers, 2);
    assert.deepEqual(syncs, []);
  });

  it('a delta from an unknown node (a replica that started late) counts its totals and asks for a full report', () => {
    const { aggregator, syncs } = setup();
    aggregator.receive(delta('edge-7', 40, [['t', 1]], [], [], { conns: 12, subs: 20 }));
    assert.deepEqual(syncs, ['edge-7']);
    const summary = aggregator.summary();
    assert.deepEqual([summary.connections, summary.nodes[0]?.id, summary.nodes[0]?.synced], [12, 'edge-7', false]);
    assert.equal(aggregator.topic('t').subscribers, 0);
  });

  it('assembles a full report from its parts; a lost part asks again', () => {
    const { aggregator, syncs } = setup();
    const parts = (seq: number) => [
      full('edge-1', seq, [['a', 1]], ['u1'], { part: 0, parts: 3 }),
      full('edge-1', seq, [['b', 2]], [], { part: 1, parts: 3 }),
      full('edge-1', seq, [['c', 3]], ['u2'], { part: 2, parts: 3 }),
    ];
    const [p0, p1, p2] = parts(1);
    aggregator.receive(p0 as FullReport);
    aggregator.receive(p1 as FullReport);
    assert.equal(aggregator.summary().topics, 0, 'nothing applied before the last part');
    aggregator.receive(p2 as FullReport);
    assert.equal(aggregator.summary().topics, 3);
    assert.equal(aggregator.summary().users, 2);

    const [q0, , q2] = parts(2);
    aggregator.receive(q0 as FullReport);
    aggregator.receive(q2 as FullReport);
    assert.deepEqual(syncs, ['edge-1']);
    aggregator.receive(delta('edge-1', 3, [['a', 0]]));
    assert.equal(aggregator.topic('a').subscribers, 1, 'no delta applies until a whole full report arrived');
  });

  it('a new incarnation of a node replaces its state without flapping users that stayed', () => {
    const { aggregator, events, syncs } = setup();
    aggregator.receive(full('edge-1', 50, [['t', 5, ['u1', 'u2']]], ['u1', 'u2']));
    events();
    aggregator.receive(delta('edge-1', 1, [['t', 1]], [], [], { inc: 'i2' }));
    assert.deepEqual(syncs, ['edge-1']);
    aggregator.receive(full('edge-1', 2, [['t', 1, ['u1']]], ['u1'], { inc: 'i2' }));
    assert.deepEqual(events(), ['offline:u2']);
    assert.deepEqual(aggregator.topic('t'), { topic: 't', subscribers: 1, users: ['u1'] });
  });

  it('drops a node after 3 missed intervals (its users go offline) and forgets it on bye at once', () => {
    const { aggregator, clock, events, transitions } = setup();
    aggregator.receive(full('edge-1', 1, [['t', 2, ['u1']]], ['u1', 'shared'], { conns: 2 }));
    aggregator.receive(full('edge-2', 1, [['t', 1]], ['shared'], { conns: 1 }));
    events();
    clock.now += 2.9 * INTERVAL;
    aggregator.receive(delta('edge-2', 2, [], [], [], { conns: 1 }));
    assert.equal(aggregator.summary().nodes.length, 2);
    clock.now += 0.1 * INTERVAL;
    const summary = aggregator.summary();
    assert.deepEqual(
      summary.nodes.map((n) => n.id),
      ['edge-2'],
    );
    assert.deepEqual([summary.connections, aggregator.topic('t').subscribers], [1, 1]);
    assert.deepEqual(
      transitions.map((t) => [t.event, t.user, t.reason]),
      [['offline', 'u1', 'expired']],
    );
    events();
    assert.equal(aggregator.stats.expired, 1);
    aggregator.receive({ ...head('edge-2', 3), kind: 'bye' });
    assert.deepEqual(events(), ['offline:shared']);
    assert.equal(aggregator.summary().nodes.length, 0);
    assert.equal(aggregator.summary().topics, 0);
  });

  it('stays quiet during its warm-up but keeps the state', () => {
    const { aggregator, clock, events } = setup(2 * INTERVAL);
    aggregator.receive(full('edge-1', 1, [], ['u1']));
    assert.deepEqual(events(), []);
    assert.equal(aggregator.user('u1').online, true);
    clock.now += 2 * INTERVAL;
    aggregator.receive(delta('edge-1', 2, [], ['u2'], ['u1']));
    assert.deepEqual(events(), ['online:u2', 'offline:u1']);
  });

  it('computes deliveries per second from successive reports', () => {
    const { aggregator } = setup();
    aggregator.receive(full('edge-1', 1, [], [], { deliveries: 1000 }));
    aggregator.receive(delta('edge-1', 2, [], [], [], { deliveries: 3000 }));
    const summary = aggregator.summary();
    assert.deepEqual([summary.deliveries, summary.deliveriesPerSecond], [3000, 2000]);
  });

  it('gives the same event id on two replicas that saw the same reports', () => {
    const a = setup();
    const b = setup();
    for (const { aggregator } of [a, b]) {
      aggregator.receive(full('edge-1', 1, [], []));
      aggregator.receive(delta('edge-1', 2, [], ['u1']));
    }
    b.clock.now += 5; // a replica's own clock does not enter the event
    const [ea, eb] = [a.transitions[0], b.transitions[0]];
    assert.ok(ea !== undefined && eb !== undefined);
    assert.deepEqual(userEventOf(ea), userEventOf(eb));
    assert.match(userEventOf(ea).id, /^[0-9a-f]{32}$/);
    assert.equal(userEventOf(ea).at, new Date(5_000_000 + 2 * INTERVAL).toISOString());
  });
});
