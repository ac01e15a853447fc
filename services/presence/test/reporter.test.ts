import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Bus, type BusHandler, type BusState, BusUnavailableError } from '@switchboard/bus';
import { PresenceReporter } from '@switchboard/edge';
import {
  decodeReport,
  encodeReport,
  PRESENCE_REPORT_TOPIC,
  PRESENCE_SYNC_TOPIC,
  type PresenceReport,
  type PresenceSource,
} from '@switchboard/presence-report';

/** A bus that records publishes and can be made to fail. */
class FakeBus implements Bus {
  readonly kind = 'fake';
  state: BusState = 'up';
  readonly handlerErrors = 0;
  failing = false;
  readonly reports: PresenceReport[] = [];
  readonly handlers = new Map<string, BusHandler>();
  private readonly listeners = new Set<(s: BusState) => void>();
  async publish(topic: string, payload: Uint8Array): Promise<void> {
    if (this.failing) throw new BusUnavailableError('down');
    if (topic === PRESENCE_REPORT_TOPIC) this.reports.push(decodeReport(payload) as PresenceReport);
  }
  async subscribe(pattern: string, handler: BusHandler) {
    this.handlers.set(pattern, handler);
    return { unsubscribe: async () => void this.handlers.delete(pattern) };
  }
  onStateChange(listener: (s: BusState) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  setState(state: BusState) {
    this.state = state;
    for (const l of this.listeners) l(state);
  }
  async close() {}
}

const source: PresenceSource = {
  nodeId: 'edge-9',
  totals: () => ({ conns: 1, subs: 1, deliveries: 0 }),
  topics: () => [['t', new Set([{ session: { user: 'u1' } }])] as const],
  connectionUsers: () => ['u1'],
};

describe('PresenceReporter (edge)', () => {
  it('full first, then deltas; full again after a failed publish, a sync request or a bus outage; bye on stop', async () => {
    const bus = new FakeBus();
    const log = { warn: () => undefined };
    const reporter = new PresenceReporter({ bus, source, intervalMs: 60_000, fullEvery: 0, log });
    reporter.start();
    await reporter.tick();
    await reporter.tick();
    assert.deepEqual(
      bus.reports.map((r) => r.kind),
      ['full', 'delta'],
    );

    bus.failing = true;
    await reporter.tick();
    bus.failing = false;
    await reporter.tick();
    assert.equal(bus.reports.at(-1)?.kind, 'full', 'after a failed publish');
    assert.equal(reporter.stats.failures, 1);

    await reporter.tick();
    bus.handlers.get(PRESENCE_SYNC_TOPIC)?.(PRESENCE_SYNC_TOPIC, encodeReport({ v: 1, kind: 'sync', from: 'p', node: 'edge-other' }));
    await reporter.tick();
    assert.equal(bus.reports.at(-1)?.kind, 'delta', 'a sync request for another node');
    bus.handlers.get(PRESENCE_SYNC_TOPIC)?.(PRESENCE_SYNC_TOPIC, encodeReport({ v: 1, kind: 'sync', from: 'p', node: null }));
    await reporter.tick();
    assert.equal(bus.reports.at(-1)?.kind, 'full', 'a sync request for all');

    bus.setState('down');
    bus.setState('up');
    await reporter.tick();
    assert.equal(bus.reports.at(-1)?.kind, 'full', 'after a bus outage');

    const seqs = bus.reports.map((r) => r.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
    await reporter.stop();
    assert.equal(bus.reports.at(-1)?.kind, 'bye');
    assert.equal(bus.handlers.size, 0);
  });

  it('sends a full report every PRESENCE_FULL_EVERY intervals', async () => {
    const bus = new FakeBus();
    const reporter = new PresenceReporter({ bus, source, intervalMs: 60_000, fullEvery: 3, log: { warn: () => undefined } });
    reporter.start();
    for (let i = 0; i < 6; i++) await reporter.tick(); // the first joins the tick start() began
    await reporter.stop();
    assert.deepEqual(bus.reports.map((r) => r.kind[0]).join(''), 'fddfddb');
  });
});
