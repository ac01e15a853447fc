/**
 * The one Bus conformance suite. Every implementation (memory, nats, redis, redis-cluster)
 * runs these very tests: `runBusConformance('nats', () => fixtureForNats)`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Bus, type BusOptions, type BusState, BusUnavailableError } from '../src/bus.js';

export interface BusFixture {
  /** A new Bus connected to the same broker as every other bus of this fixture. */
  createBus(options?: BusOptions): Promise<Bus>;
  /** Stops what the fixture started (called once, after the suite). */
  stop?(): Promise<void>;
  /**
   * `false` when the backend cannot subscribe to wildcard patterns (Redis Cluster's sharded
   * pub/sub): the wildcard tests then check that such a subscribe rejects instead.
   */
  wildcards?: false;
  /**
   * The broker as the fixture can break it (absent for the memory bus, which has none): the
   * up/down test kills it (kill -9) and restarts it on the same address.
   */
  outage?: { kill(): Promise<void>; restart(): Promise<void> };
}

interface Received {
  topic: string;
  text: string;
}

/** Subscribes and records what arrives; `until(n)` waits for n deliveries (bounded). */
async function record(bus: Bus, pattern: string) {
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  const sub = await bus.subscribe(pattern, (topic, payload) => {
    received.push({ topic, text: Buffer.from(payload).toString('utf8') });
    for (const wake of waiters.splice(0)) wake();
  });
  const until = async (count: number, timeoutMs = 5000): Promise<Received[]> => {
    const deadline = Date.now() + timeoutMs;
    while (received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`expected ${count} messages on ${pattern}, got ${received.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return received;
  };
  return { received, until, sub };
}

const bytes = (text: string) => Buffer.from(text, 'utf8');
let unique = 0;
/** A topic prefix no other test (or earlier run against a shared broker) uses. */
const fresh = () => `conf${process.pid}x${Date.now().toString(36)}x${unique++}`;

/** Polls `probe` until true (bounded; the machine may be loaded). */
async function until(probe: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function runBusConformance(name: string, makeFixture: () => Promise<BusFixture>): void {
  describe(`Bus conformance: ${name}`, () => {
    let fixture: BusFixture;
    let a: Bus;
    let b: Bus;
    before(async () => {
      fixture = await makeFixture();
      a = await fixture.createBus();
      b = await fixture.createBus();
    });
    after(async () => {
      await a?.close();
      await b?.close();
      await fixture?.stop?.();
    });

    it('is up once created', () => {
      assert.equal(a.state, 'up');
      assert.equal(b.state, 'up');
    });

    it('delivers the exact payload bytes to a subscriber on another bus', async () => {
      const topic = `${fresh()}.exact`;
      const raw: Array<{ topic: string; payload: Buffer }> = [];
      const sub = await b.subscribe(topic, (t, p) => raw.push({ topic: t, payload: Buffer.from(p) }));
      const payload = Buffer.from([0x7b, 0x00, 0xff, 0xc3, 0x28, 0x7d]);
      await a.publish(topic, payload);
      const deadline = Date.now() + 5000;
      while (raw.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(raw, [{ topic, payload }]);
      await sub.unsubscribe();
    });

    it('carries every byte value, in a bytes message frame of 256 random bytes', async () => {
      const topic = `${fresh()}.bytes`;
      const raw: Buffer[] = [];
      const sub = await b.subscribe(topic, (_t, p) => raw.push(Buffer.from(p)));
      const payloads = [Buffer.from([0x6d, ...randomBytes(256)]), Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i))];
      for (const payload of payloads) await a.publish(topic, payload);
      const deadline = Date.now() + 5000;
      while (raw.length < payloads.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(raw, payloads);
      await sub.unsubscribe();
    });

    it('keeps the publish order of one publisher on one topic', async () => {
      const topic = `${fresh()}.order`;
      const rec = await record(b, topic);
      for (let i = 0; i < 200; i++) await a.publish(topic, bytes(String(i)));
      const got = await rec.until(200);
      assert.deepEqual(
        got.map((m) => m.text),
        Array.from({ length: 200 }, (_, i) => String(i)),
      );
      await rec.sub.unsubscribe();
    });

    it('delivers only the topics a subscription names', async () => {
      const prefix = fresh();
      const rec = await record(b, `${prefix}.wanted`);
      await a.publish(`${prefix}.other`, bytes('no'));
      await a.publish(`${prefix}.wanted.deeper`, bytes('no'));
      await a.publish(`${prefix}.wanted`, bytes('yes'));
      const got = await rec.until(1);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(
        got.map((m) => m.text),
        ['yes'],
      );
      await rec.sub.unsubscribe();
    });

    it('matches `*` against exactly one token and tells the concrete topic', async () => {
      const prefix = fresh();
      if (fixture.wildcards === false) return void (await assert.rejects(b.subscribe(`${prefix}.*.price`, () => undefined)));
      const rec = await record(b, `${prefix}.*.price`);
      await a.publish(`${prefix}.eur.price`, bytes('1'));
      await a.publish(`${prefix}.eur.usd.price`, bytes('no'));
      await a.publish(`${prefix}.price`, bytes('no'));
      await a.publish(`${prefix}.gbp.price`, bytes('2'));
      const got = await rec.until(2);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(got, [
        { topic: `${prefix}.eur.price`, text: '1' },
        { topic: `${prefix}.gbp.price`, text: '2' },
      ]);
      await rec.sub.unsubscribe();
    });

    it('matches `>` against one or more trailing tokens, never zero', async () => {
      const prefix = fresh();
      if (fixture.wildcards === false) return void (await assert.rejects(b.subscribe(`${prefix}.>`, () => undefined)));
      const rec = await record(b, `${prefix}.>`);
      await a.publish(prefix, bytes('no'));
      await a.publish(`${prefix}.a`, bytes('1'));
      await a.publish(`${prefix}.a.b.c`, bytes('2'));
      const got = await rec.until(2);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(
        got.map((m) => m.topic),
        [`${prefix}.a`, `${prefix}.a.b.c`],
      );
      await rec.sub.unsubscribe();
    });

    it('gives every handler of a topic its own copy, and stops one on unsubscribe', async () => {
      const topic = `${fresh()}.fan`;
      const first = await record(b, topic);
      const second = await record(b, topic);
      await a.publish(topic, bytes('both'));
      await first.until(1);
      await second.until(1);
      await first.sub.unsubscribe();
      await first.sub.unsubscribe(); // idempotent
      await a.publish(topic, bytes('second only'));
      await second.until(2);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(first.received.length, 1);
      assert.deepEqual(
        second.received.map((m) => m.text),
        ['both', 'second only'],
      );
      await second.sub.unsubscribe();
    });

    it('delivers a bus its own publications when it subscribes to them', async () => {
      const topic = `${fresh()}.self`;
      const rec = await record(a, topic);
      await a.publish(topic, bytes('me'));
      assert.equal((await rec.until(1))[0]?.text, 'me');
      await rec.sub.unsubscribe();
    });

    it('counts and reports a handler that throws, and keeps delivering to the others', async () => {
      const reported: string[] = [];
      const bus = await fixture.createBus({ onHandlerError: (_error, topic) => reported.push(topic) });
      const uncaught: unknown[] = [];
      const onUncaught = (error: unknown) => uncaught.push(error);
      process.on('uncaughtException', onUncaught);
      try {
        const topic = `${fresh()}.throws`;
        await bus.subscribe(topic, () => {
          throw new Error('handler failure (expected by the test)');
        });
        const rec = await record(bus, topic);
        await a.publish(topic, bytes('1'));
        await a.publish(topic, bytes('2'));
        assert.deepEqual(
          (await rec.until(2)).map((m) => m.text),
          ['1', '2'],
        );
        await until(() => bus.handlerErrors === 2, 'two counted handler errors');
        assert.deepEqual(reported, [topic, topic]);
        await new Promise((r) => setTimeout(r, 50)); // a rethrow would surface by now
        assert.deepEqual(uncaught, []);
        assert.equal(bus.state, 'up');
      } finally {
        process.off('uncaughtException', onUncaught);
        await bus.close();
      }
    });

    it('never delivers a reserved `$` topic to a wildcard, only to its exact name', async () => {
      const prefix = fresh();
      const exact = await record(b, `$${prefix}.x`);
      if (fixture.wildcards !== false) {
        const star = await record(b, '*');
        const tail = await record(b, '>');
        const starX = await record(b, `*.x`);
        await a.publish(`$${prefix}.x`, bytes('reserved'));
        await a.publish(`${prefix}.x`, bytes('plain'));
        await exact.until(1);
        await starX.until(1);
        await tail.until(1);
        await new Promise((r) => setTimeout(r, 100));
        for (const rec of [tail, starX]) {
          assert.deepEqual(
            rec.received.filter((m) => m.topic.includes(prefix)).map((m) => m.topic),
            [`${prefix}.x`],
          );
        }
        assert.deepEqual(
          star.received.filter((m) => m.topic.includes(prefix)),
          [],
        );
        for (const rec of [star, tail, starX]) await rec.sub.unsubscribe();
      } else {
        await a.publish(`$${prefix}.x`, bytes('reserved'));
        await exact.until(1);
      }
      assert.deepEqual(exact.received, [{ topic: `$${prefix}.x`, text: 'reserved' }]);
      await exact.sub.unsubscribe();
    });

    it('reports up -> down while the broker is gone and down -> up once its subscriptions are back', async () => {
      const bus = await fixture.createBus();
      const states: BusState[] = [];
      const off = bus.onStateChange((state) => states.push(state));
      try {
        const outage = fixture.outage;
        if (outage === undefined) {
          // No broker to lose: the state only ever leaves `up` for `closed`.
          await bus.publish(`${fresh()}.alive`, bytes('x'));
          assert.deepEqual(states, []);
          return;
        }
        const topic = `${fresh()}.outage`;
        const rec = await record(bus, topic);
        await outage.kill();
        try {
          await until(() => bus.state === 'down', 'state down');
          await assert.rejects(bus.publish(topic, bytes('lost')), BusUnavailableError);
        } finally {
          await outage.restart();
        }
        await until(() => bus.state === 'up', 'state up again');
        // down, up (a cluster whose nodes come back one by one may flap: down, up, down, up).
        assert.ok(states.length >= 2 && states.length % 2 === 0, `states: ${states.join(',')}`);
        for (const [i, state] of states.entries()) assert.equal(state, i % 2 === 0 ? 'down' : 'up', `states: ${states.join(',')}`);
        // `up` again means the existing subscription receives again (retried a few times only
        // because a cluster may still be moving slots between its restarted nodes).
        for (let attempt = 0; rec.received.length === 0 && attempt < 50; attempt++) {
          await bus.publish(topic, bytes('after')).catch(() => undefined);
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal((await rec.until(1))[0]?.text, 'after');
        await until(() => a.state === 'up' && b.state === 'up', 'the shared buses up again');
      } finally {
        off();
        await bus.close();
        assert.equal(bus.state, 'closed');
      }
    });

    it('refuses to publish once closed', async () => {
      const bus = await fixture.createBus();
      await bus.close();
      assert.equal(bus.state, 'closed');
      await assert.rejects(bus.publish(`${fresh()}.closed`, bytes('x')), BusUnavailableError);
    });
  });
}
