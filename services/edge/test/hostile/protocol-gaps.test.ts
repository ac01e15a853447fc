import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WsTestClient } from '@switchboard/testkit';
import { WebSocket } from 'ws';
import { nowSeconds, token } from '../tokens.js';
import { type HostileNode, report, startHostileNode } from './harness.js';

/**
 * The smaller protocol gaps, attacked over real sockets on one auth-hardened node: every frame
 * with an id gets one answer (back-to-back refreshes), a client cut with 4029 still gets the
 * answer of every frame processed before (each stored publish acked), SSE follows the WebSocket
 * rules (CORS for allowed origins, `$presence.users`, 401 at once without a token), and the
 * `ws` library's own bounds (1008 past 16,384 fragments; a ping flood is cut) hold.
 */

const JWT_SECRET = 'hostile-protocol-jwt-secret-0123456789abc';
const API_KEY = 'hostile-protocol-api-key-0123456789';
const ORIGIN = 'https://app.example.com';
const RSS_BOUND_MB = 80;

const userToken = (sub: string) =>
  token({ sub, exp: nowSeconds() + 600, subscribe: ['hostile.>', 'gap.>', '$presence.users'], publish: ['gap.>'] }, JWT_SECRET);

async function authed(node: HostileNode, sub: string): Promise<WsTestClient> {
  const client = await WsTestClient.connect(node.ws, { welcome: false });
  client.send({ op: 'connect', token: await userToken(sub) });
  await client.next((f) => f.op === 'welcome');
  return client;
}

/** Opens a socket and runs `attack`; resolves with how it ended (close code, or the socket error). */
function attacked(url: string, attack: (ws: WebSocket) => void, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      resolve('still open');
    }, timeoutMs);
    ws.on('open', () => attack(ws));
    ws.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(`error ${err.code ?? err.message}`);
    });
    ws.on('close', (code) => {
      clearTimeout(timer);
      resolve(`close ${code}`);
    });
  });
}

describe('hostile: protocol gaps', { timeout: 120_000 }, () => {
  let node: HostileNode;
  before(async () => {
    node = await startHostileNode('protocol', {
      env: { AUTH_JWT_SECRET: JWT_SECRET, API_KEYS: API_KEY, ALLOWED_ORIGINS: ORIGIN },
      apiKey: API_KEY,
      watcherToken: await userToken('watcher'),
    });
  });
  after(() => node?.stop());

  it('two refresh frames back to back: both answered', async () => {
    const client = await authed(node, 'refresher');
    try {
      for (let round = 0; round < 20; round++) {
        const ids = [1000 + round * 2, 1001 + round * 2];
        const fresh = await userToken('refresher');
        for (const id of ids) client.send({ op: 'refresh', id, token: fresh });
        const answers = await client.collect((f) => ids.includes(f.id as number), 2, 5000);
        assert.deepEqual(
          answers.map((f) => [f.op, f.id]).sort(),
          ids.map((id) => ['ack', id]),
        );
      }
      assert.equal(client.frames.filter((f) => (f.id as number) >= 1000).length, 40, 'exactly one answer per id');
    } finally {
      client.ws.terminate();
    }
  });

  it('4029: every publish processed before the cut is acknowledged, and only those were stored', async () => {
    const client = await authed(node, 'flooder');
    for (let i = 1; i <= 400; i++) client.send({ op: 'publish', id: i, topic: 'gap.flood', data: { i } });
    const closed = await client.closed;
    assert.equal(closed.code, 4029);
    const acked = client.frames.filter((f) => f.op === 'ack').map((f) => f.id as number);
    const res = await fetch(`${node.http}/v1/topics/gap.flood/history?limit=1000`, { headers: { authorization: `Bearer ${API_KEY}` } });
    const page = (await res.json()) as { offset: number; messages: Array<{ data: { i: number } }> };
    assert.ok(acked.length > 100, `acked ${acked.length}`);
    // The topic's tip counts every publish stored; history keeps the newest HISTORY_SIZE of them.
    assert.equal(page.offset, acked.length, 'as many publishes stored as acked');
    assert.deepEqual(
      [...acked].sort((a, b) => a - b),
      Array.from({ length: acked.length }, (_, i) => i + 1),
      'the first N frames, each once',
    );
    for (const m of page.messages) assert.ok(acked.includes(m.data.i), `stored ${m.data.i} was acked`);
  });

  it('SSE: CORS for an allowed origin, 403 for another, $presence.users like WebSocket, 401 at once without a token', async () => {
    const tokenValue = await userToken('sse');
    const allowed = await fetch(`${node.http}/sse?topics=gap.sse,$presence.users&token=${tokenValue}`, { headers: { origin: ORIGIN } });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers.get('access-control-allow-origin'), ORIGIN);
    assert.equal(allowed.headers.get('access-control-allow-credentials'), 'true');
    const reader = allowed.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    let text = '';
    const deadline = Date.now() + 5000;
    while ((text.match(/event: ack/g) ?? []).length < 2 && Date.now() < deadline)
      text += new TextDecoder().decode((await reader.read()).value);
    assert.equal((text.match(/event: ack/g) ?? []).length, 2, `both topics acknowledged: ${text}`);
    await reader.cancel();
    const foreign = await fetch(`${node.http}/sse?topics=gap.sse&token=${tokenValue}`, { headers: { origin: 'https://evil.example' } });
    assert.equal(foreign.status, 403);
    await foreign.body?.cancel();
    const started = Date.now();
    const anonymous = await fetch(`${node.http}/sse?topics=gap.sse`);
    assert.equal(anonymous.status, 401);
    assert.match(await anonymous.text(), /"code":"unauthorized"/);
    assert.ok(Date.now() - started < 2000, 'answered at once, not after AUTH_TIMEOUT_MS');
  });

  it('ws bounds: a message in 20,000 fragments is closed with 1008; a ping flood is cut', async () => {
    const connectFrame = JSON.stringify({ op: 'connect', token: await userToken('fragments') });
    const fragments = await attacked(node.ws, (ws) => {
      ws.send(connectFrame);
      for (let i = 0; i < 20_000; i++) ws.send('x', { fin: false });
    });
    assert.equal(fragments, 'close 1008');
    const pings = await attacked(
      node.ws,
      (ws) => {
        const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
        socket.pause(); // never read the pongs
        let sent = 0;
        const flood = setInterval(() => {
          for (let i = 0; i < 5000 && sent < 3_000_000; i++, sent++) ws.ping();
          if (sent >= 3_000_000) clearInterval(flood);
        }, 1);
        ws.once('close', () => clearInterval(flood));
        ws.once('error', () => clearInterval(flood));
      },
      30_000,
    );
    assert.notEqual(pings, 'still open', 'the ping flood was cut');
    console.log(`# hostile ping flood ended with: ${pings}`);
    const figures = await node.finish();
    report('protocol gaps (refresh pairs, 4029 flood, SSE, fragments, ping flood)', figures, `+${RSS_BOUND_MB} MB`);
    assert.ok(figures.peakMb - figures.baselineMb < RSS_BOUND_MB, `RSS grew ${(figures.peakMb - figures.baselineMb).toFixed(0)} MB`);
  });
});
