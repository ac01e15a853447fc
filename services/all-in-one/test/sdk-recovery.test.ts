import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MemoryBroker, MemoryBus, MemoryHistory } from '@switchboard/backends';
import { Publisher } from '@switchboard/history';
import { createClient } from '@switchboard/sdk';
import { WebSocket } from 'ws';
import { type AllInOne, startAllInOne } from '../src/start.js';

const env = (port: number) => ({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', HEARTBEAT_MS: '1000' });

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SDK against a restarting server (history on)', () => {
  const started: AllInOne[] = [];
  after(async () => {
    for (const node of started) await node.close().catch(() => undefined);
  });

  it('receives what was published while it was away, exactly once and in order', async () => {
    // The bus and the history outlive the edge, as Redis or JetStream do in a cluster.
    const bus = new MemoryBus(new MemoryBroker());
    const history = new MemoryHistory({ size: 1000, ttlMs: 60_000 });
    const publisher = new Publisher(bus, history);
    const first = await startAllInOne({ env: env(0), bus, history });
    started.push(first);

    const client = createClient({ url: `ws://127.0.0.1:${first.port}/ws`, WebSocket, backoffBaseMs: 50, backoffMaxMs: 300 });
    const offsets: number[] = [];
    const gaps: unknown[] = [];
    const states: string[] = [];
    client.on('recovered', (event) => gaps.push(event));
    client.on('connected', () => states.push('connected'));
    client.on('disconnected', (event) => states.push(`disconnected:${event.code}`));
    await client.connect();
    const subscription = client.subscribe<{ n: number }>('orders', (message) => {
      assert.equal(message.data.n, message.offset);
      offsets.push(message.offset ?? -1);
    });
    await subscription.ready;

    for (let n = 1; n <= 10; n++) await publisher.publish('orders', JSON.stringify({ n }));
    await until(() => offsets.length === 10, 'the first 10 messages');

    await first.close(); // every client gets 1001 and starts reconnecting
    await until(() => states.includes('disconnected:1001'), 'the 1001 close');
    for (let n = 11; n <= 30; n++) await publisher.publish('orders', JSON.stringify({ n }));

    const second = await startAllInOne({ env: env(first.port), bus, history });
    started.push(second);
    await until(() => states.filter((s) => s === 'connected').length === 2, 'the reconnect');
    for (let n = 31; n <= 40; n++) await publisher.publish('orders', JSON.stringify({ n }));
    await until(() => offsets.length >= 40, 'all 40 messages');
    await new Promise((r) => setTimeout(r, 100)); // a duplicate would arrive now

    assert.deepEqual(
      offsets,
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    assert.deepEqual(
      gaps,
      [{ topic: 'orders', recovered: true }].filter(() => gaps.length > 0),
    );
    client.close();
  });

  it('reports recovered:false when the gap is larger than the history window', async () => {
    const bus = new MemoryBus(new MemoryBroker());
    const history = new MemoryHistory({ size: 5, ttlMs: 60_000 });
    const publisher = new Publisher(bus, history);
    const first = await startAllInOne({ env: env(0), bus, history });
    started.push(first);
    const client = createClient({ url: `ws://127.0.0.1:${first.port}/ws`, WebSocket, backoffBaseMs: 50, backoffMaxMs: 300 });
    const offsets: number[] = [];
    const gaps: Array<{ topic: string; recovered: boolean }> = [];
    client.on('recovered', (event) => gaps.push(event));
    await client.connect();
    await client.subscribe('t', (m) => offsets.push(m.offset ?? -1)).ready;
    await publisher.publish('t', '1');
    await until(() => offsets.length === 1, 'the first message');

    await first.close();
    for (let n = 2; n <= 20; n++) await publisher.publish('t', String(n));
    const second = await startAllInOne({ env: env(first.port), bus, history });
    started.push(second);
    await until(() => gaps.length === 1, 'the recovered event');
    assert.deepEqual(gaps, [{ topic: 't', recovered: false }]);
    await until(() => offsets.length === 6, 'what the window still held');
    assert.deepEqual(offsets, [1, 16, 17, 18, 19, 20]);
    client.close();
  });
});
