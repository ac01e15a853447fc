import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Bus, type BusState, BusUnavailableError } from '@switchboard/bus';
import { runBusConformance } from '@switchboard/bus/conformance';
import { type BrokerHandle, startNats } from '@switchboard/testkit';
import { NatsBus } from '../nats-bus.js';

runBusConformance('nats', async () => {
  const broker = await startNats();
  return {
    createBus: (options) => NatsBus.connect(broker.url, options),
    outage: broker,
    stop: () => broker.stop(),
  };
});

const bytes = (text: string) => Buffer.from(text, 'utf8');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when `bus` reaches `state` (bounded). */
function waitForState(bus: Bus, state: BusState, timeoutMs: number): Promise<number> {
  const started = Date.now();
  if (bus.state === state) return Promise.resolve(0);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`bus did not become ${state} within ${timeoutMs} ms (is ${bus.state})`));
    }, timeoutMs);
    const off = bus.onStateChange((s) => {
      if (s !== state) return;
      clearTimeout(timer);
      off();
      resolve(Date.now() - started);
    });
  });
}

async function until(probe: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await sleep(5);
  }
}

describe('NatsBus', () => {
  let broker: BrokerHandle;
  before(async () => {
    broker = await startNats();
  });
  after(async () => {
    await broker?.stop();
  });

  it('isolates buses with different prefixes on one server', async () => {
    const a1 = await NatsBus.connect(broker.url, { prefix: 'one' });
    const a2 = await NatsBus.connect(broker.url, { prefix: 'one' });
    const b = await NatsBus.connect(broker.url, { prefix: 'two' });
    try {
      const gotOne: string[] = [];
      const gotTwo: string[] = [];
      await a2.subscribe('room.>', (topic, p) => gotOne.push(`${topic}=${Buffer.from(p)}`));
      await b.subscribe('room.>', (topic, p) => gotTwo.push(`${topic}=${Buffer.from(p)}`));
      await a1.publish('room.1', bytes('from one'));
      await b.publish('room.2', bytes('from two'));
      await until(() => gotOne.length === 1 && gotTwo.length === 1);
      await sleep(100);
      assert.deepEqual(gotOne, ['room.1=from one']);
      assert.deepEqual(gotTwo, ['room.2=from two']);
    } finally {
      await Promise.all([a1.close(), a2.close(), b.close()]);
    }
  });

  it('refuses publish and subscribe while the broker is gone, and recovers its subscriptions after a restart', async () => {
    if (broker.source !== 'binary') return; // an external NATS_URL cannot be killed
    const publisher = await NatsBus.connect(broker.url);
    const subscriber = await NatsBus.connect(broker.url);
    const states: BusState[] = [];
    subscriber.onStateChange((s) => states.push(s));
    try {
      const received: string[] = [];
      await subscriber.subscribe('outage.t', (_t, p) => received.push(Buffer.from(p).toString()));
      await publisher.publish('outage.t', bytes('before'));
      await until(() => received.length === 1);

      const down = Promise.all([waitForState(publisher, 'down', 5000), waitForState(subscriber, 'down', 5000)]);
      await broker.kill();
      await down;
      const refused = Date.now();
      await assert.rejects(publisher.publish('outage.t', bytes('lost')), BusUnavailableError);
      await assert.rejects(
        subscriber.subscribe('outage.other', () => undefined),
        BusUnavailableError,
      );
      assert.ok(Date.now() - refused < 100, 'a publish while down is refused at once');

      const restarted = Date.now();
      const up = Promise.all([waitForState(publisher, 'up', 5000), waitForState(subscriber, 'up', 5000)]);
      await broker.restart();
      await up;
      assert.ok(Date.now() - restarted < 5000);
      await publisher.publish('outage.t', bytes('after'));
      await until(() => received.length === 2);
      assert.deepEqual(received, ['before', 'after']);
      assert.deepEqual(states, ['down', 'up']);
    } finally {
      await Promise.all([publisher.close(), subscriber.close()]);
    }
  });
});
