import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AllInOne, startAllInOne } from '@switchboard/all-in-one';
import { requestJson, WsTestClient } from '@switchboard/testkit';
import { WebSocket } from 'ws';

const CONNECTIONS = 50;
const FRAMES = 10_000;

/** A small deterministic PRNG, so a failing run can be replayed with the same seed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261121);
const random = prng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const randomBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));

/** One hostile frame: what it is and how to send it. */
function hostileFrame(): { data: Buffer | string; binary: boolean } {
  const ops = ['subscribe', 'unsubscribe', 'publish', 'connect', 'refresh', 'pong', 'ping', 'launch', '', null, 7];
  const values: unknown[] = [
    '',
    'a b',
    'x'.repeat(300),
    '*',
    '>',
    'a.>.b',
    'good',
    -1,
    1.5,
    null,
    {},
    [],
    { offset: -3 },
    { offset: 'x' },
    true,
  ];
  switch (Math.floor(random() * 9)) {
    case 0:
      return { data: randomBytes(1 + Math.floor(random() * 200)), binary: true };
    case 1:
      return { data: randomBytes(1 + Math.floor(random() * 200)), binary: false }; // mostly invalid UTF-8 text
    case 2:
      return { data: randomBytes(40).toString('latin1'), binary: false };
    case 3:
      return { data: `${'['.repeat(5000 + Math.floor(random() * 5000))}`, binary: false };
    case 4:
      return {
        data: JSON.stringify({ op: pick(ops), id: pick([1, 'x', null, -5]), topic: pick(values), since: pick(values), data: pick(values) }),
        binary: false,
      };
    case 5:
      return {
        data: `{"op":"publish","topic":"fuzz.${Math.floor(random() * 5)}","data":${'{"a":'.repeat(200)}1${'}'.repeat(200)}}`,
        binary: false,
      };
    case 6:
      return { data: 'x'.repeat(70_000), binary: false }; // over MAX_MESSAGE_BYTES
    case 7:
      return { data: JSON.stringify({ op: 'subscribe', id: 1, topic: `fuzz.${Math.floor(random() * 1000)}` }), binary: false };
    default:
      return { data: JSON.stringify(pick(values)) ?? 'undefined', binary: false };
  }
}

/** Keeps one hostile connection sending until the shared budget of frames is spent. */
async function hostileConnection(url: string, budget: { left: number; sent: number }, deadline: number): Promise<void> {
  while (budget.left > 0 && Date.now() < deadline) {
    const ws = new WebSocket(url);
    ws.on('error', () => undefined);
    const opened = await new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(true));
      ws.once('close', () => resolve(false));
    });
    if (!opened) continue;
    // Send until the server closes this connection (most hostile frames end it), then reconnect.
    while (budget.left > 0 && ws.readyState === WebSocket.OPEN && Date.now() < deadline) {
      budget.left--;
      const frame = hostileFrame();
      ws.send(frame.data, { binary: frame.binary });
      budget.sent++;
      if (budget.sent % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    ws.terminate();
  }
}

describe('fuzz: hostile frames over many connections', () => {
  let node: AllInOne;
  before(async () => {
    node = await startAllInOne({
      env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', MESSAGE_RATE_LIMIT: '100000', MESSAGE_RATE_BURST: '100000' },
    });
  });
  after(async () => node?.close());

  it(`stays up through ${FRAMES} random or malformed frames on ${CONNECTIONS} connections and keeps delivering`, async () => {
    const ws = `ws://127.0.0.1:${node.port}/ws`;
    const good = await WsTestClient.connect(ws);
    assert.equal((await good.request({ op: 'subscribe', id: 1, topic: 'good' })).op, 'ack');

    const budget = { left: FRAMES, sent: 0 };
    const deadline = Date.now() + 90_000;
    const fuzzers = Array.from({ length: CONNECTIONS }, () => hostileConnection(ws, budget, deadline));
    // Meanwhile the well-behaved side publishes and must receive every message, in order.
    let published = 0;
    const publisher = (async () => {
      while (budget.left > 0 && Date.now() < deadline) {
        const res = await requestJson(`${node.url}/v1/publish`, { body: { topic: 'good', data: { n: published } } });
        assert.equal(res.status, 200);
        published++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await Promise.all([...fuzzers, publisher]);

    assert.equal(budget.sent, FRAMES, `sent ${budget.sent} frames before the deadline`);
    assert.ok(published > 0);
    const got = await good.collect((f) => f.op === 'message' && f.topic === 'good', published, 10_000);
    assert.deepEqual(
      got.map((f) => (f.data as { n: number }).n),
      Array.from({ length: published }, (_, i) => i),
    );
    assert.equal((await requestJson(`${node.url}/healthz`)).status, 200);
    assert.ok(node.edge.stats.protocolErrors > 0, 'the fuzzer provoked protocol errors');
    // The well-behaved client is still connected and answered.
    assert.equal((await good.request({ op: 'unsubscribe', id: 2, topic: 'good' })).op, 'ack');
    good.close();
  });
});
