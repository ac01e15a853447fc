/**
 * ReplicaRoster over a real (in-process) bus: the oldest live replica is the one sender; a bye
 * hands over at once, a replica gone silent hands over after 3 of its intervals.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MemoryBroker, MemoryBus } from '@switchboard/backends';
import { PRESENCE_REPLICAS_TOPIC } from '@switchboard/presence-report';
import { ReplicaRoster } from '../src/replica-roster.js';

const INTERVAL = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ReplicaRoster', () => {
  const broker = new MemoryBroker();
  const buses: MemoryBus[] = [];
  const bus = () => {
    const b = new MemoryBus(broker);
    buses.push(b);
    return b;
  };
  after(async () => {
    for (const b of buses) await b.close();
  });

  it('one sender (the oldest); a bye hands over at once', async () => {
    const a = new ReplicaRoster(bus(), { id: 'a', startedAt: 1_000, intervalMs: INTERVAL });
    const b = new ReplicaRoster(bus(), { id: 'b', startedAt: 2_000, intervalMs: INTERVAL });
    const c = new ReplicaRoster(bus(), { id: 'c', startedAt: 1_000, intervalMs: INTERVAL }); // same start as a: ids decide
    await Promise.all([a.start(), b.start(), c.start()]);
    await sleep(2 * INTERVAL);
    assert.deepEqual([a.isSender(), b.isSender(), c.isSender()], [true, false, false]);
    assert.equal(b.peerCount, 2);
    await a.stop();
    await sleep(10);
    assert.deepEqual([b.isSender(), c.isSender()], [false, true], 'c is now the oldest');
    await c.stop();
    await sleep(10);
    assert.equal(b.isSender(), true);
    await b.stop();
  });

  it('a replica gone silent (no bye) is replaced after 3 of its intervals; junk announcements are ignored', async () => {
    const silentBus = bus();
    const old = new ReplicaRoster(silentBus, { id: 'old', startedAt: 1, intervalMs: INTERVAL });
    const young = new ReplicaRoster(bus(), { id: 'young', startedAt: 2, intervalMs: INTERVAL });
    await Promise.all([old.start(), young.start()]);
    await sleep(2 * INTERVAL);
    assert.equal(young.isSender(), false);
    // Junk on the control topic changes nothing.
    for (const junk of [
      '',
      'not json',
      '{"id":5}',
      '[]',
      JSON.stringify({ v: 1, id: 'x', startedAt: 0, intervalMs: -1 }),
      'y'.repeat(4096),
    ])
      await silentBus.publish(PRESENCE_REPLICAS_TOPIC, Buffer.from(junk));
    assert.equal(young.isSender(), false);
    assert.equal(young.peerCount, 1);
    // The old one dies without a bye: its timer stops, nothing more is heard.
    (old as unknown as { timer: NodeJS.Timeout }).timer.close();
    await sleep(INTERVAL);
    assert.equal(young.isSender(), false, 'still within 3 intervals');
    await sleep(3 * INTERVAL);
    assert.equal(young.isSender(), true, 'taken over after 3 silent intervals');
    await young.stop();
  });
});
