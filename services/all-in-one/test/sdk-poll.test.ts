import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, type SwitchboardError } from '@switchboard/sdk';
import { SignJWT } from 'jose';
import { WebSocket } from 'ws';
import { type AllInOne, startAllInOne } from '../src/start.js';

const SECRET = 'sdk-poll-test-secret-0123456789-abcdef';
const sign = (claims: Record<string, unknown>) =>
  new SignJWT({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 60, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(SECRET));

/** The SDK's long-polling transport in Node (fetch), against an all-in-one with auth on. */
describe('SDK over long-polling: permissions, tokens and what needs WebSocket', { timeout: 20_000 }, () => {
  let server: AllInOne;
  before(async () => {
    server = await startAllInOne({ env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', AUTH_JWT_SECRET: SECRET } });
  });
  after(() => server.close());

  it('subscribes with the token, refuses a forbidden topic, rejects publish with unavailable, unsubscribes', async () => {
    const token = await sign({ subscribe: ['ok.*'] });
    const client = createClient({ url: `ws://127.0.0.1:${server.port}/ws`, WebSocket, token, transports: ['poll'] });
    const got: unknown[] = [];
    const ok = client.subscribe('ok.a', (m) => got.push(m.data));
    await client.connect();
    assert.equal(client.transport, 'poll');
    await ok.ready;
    const refused = client.subscribe('secret.a', () => undefined);
    await assert.rejects(refused.ready, (err: SwitchboardError) => err.code === 'forbidden');
    await server.edge.publisher.publish('ok.a', JSON.stringify('one'));
    const deadline = Date.now() + 5000;
    while (got.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got, ['one']);
    await assert.rejects(client.publish('ok.a', 'x'), (err: SwitchboardError) => err.code === 'unavailable');
    ok.unsubscribe();
    await server.edge.publisher.publish('ok.a', JSON.stringify('two'));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(got, ['one']);
    client.close();
  });

  it('a bad token closes for good (4001), as on WebSocket', async () => {
    const client = createClient({ url: `ws://127.0.0.1:${server.port}/ws`, WebSocket, token: 'nonsense', transports: ['poll'] });
    client.subscribe('ok.b', () => undefined);
    const disconnected = new Promise<{ code: number; willReconnect: boolean }>((resolve) => client.on('disconnected', resolve));
    await client.connect().catch(() => undefined);
    const event = await disconnected;
    assert.deepEqual([event.code, event.willReconnect], [4001, false]);
    assert.equal(client.state, 'closed');
  });
});
