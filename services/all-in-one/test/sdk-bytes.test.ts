import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient, type Message, type SwitchboardClient } from '@switchboard/sdk';
import { WebSocket } from 'ws';
import { type AllInOne, startAllInOne } from '../src/start.js';

/** Waits until `got` holds `count` messages (bounded). */
async function until(got: Message[], count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (got.length < count) {
    if (Date.now() > deadline) assert.fail(`expected ${count} messages, got ${got.length}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The SDK with bytes, against a real all-in-one: WebSocket binary frames both ways, base64 over long-poll. */
describe('SDK: bytes messages', { timeout: 20_000 }, () => {
  let server: AllInOne;
  const clients: SwitchboardClient[] = [];
  const client = (transports: Array<'websocket' | 'poll'>) => {
    const c = createClient({ url: `ws://127.0.0.1:${server.port}/ws`, WebSocket, transports });
    clients.push(c);
    return c;
  };
  before(async () => {
    server = await startAllInOne({ env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' } });
  });
  after(async () => {
    for (const c of clients) c.close();
    await server.close();
  });

  it('publish(topic, bytes) goes as a binary frame; subscribers on WebSocket and long-poll get a Uint8Array, JSON stays JSON', async () => {
    const topic = 'sdk.bytes';
    const overWs: Message[] = [];
    const overPoll: Message[] = [];
    const ws = client(['websocket']);
    const poll = client(['poll']);
    const wsSub = ws.subscribe(topic, (m) => overWs.push(m));
    const pollSub = poll.subscribe(topic, (m) => overPoll.push(m));
    await Promise.all([ws.connect(), poll.connect(), wsSub.ready, pollSub.ready]);
    const bytes = new Uint8Array(randomBytes(256));
    const framesBefore = server.edge.stats.protocolErrors;
    const result = await ws.publish(topic, bytes);
    assert.equal(result.offset, 1);
    await ws.publish(topic, { json: 1 });
    await until(overWs, 2);
    await until(overPoll, 2);
    for (const got of [overWs, overPoll]) {
      assert.ok(got[0]?.data instanceof Uint8Array, 'bytes arrive as a Uint8Array');
      assert.deepEqual(Buffer.from(got[0].data), Buffer.from(bytes));
      assert.equal(got[0].offset, 1);
      assert.deepEqual(got[1]?.data, { json: 1 });
    }
    assert.equal(server.edge.stats.protocolErrors, framesBefore);
    // History holds the bytes as they were published.
    const page = (await (await fetch(`${server.url}/v1/topics/${topic}/history`)).json()) as { messages: Array<{ data: string }> };
    assert.deepEqual(Buffer.from(page.messages[0]?.data ?? '', 'base64'), Buffer.from(bytes));
  });
});
