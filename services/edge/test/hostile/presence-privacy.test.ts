import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { spawnTracked, stopProcess, WsTestClient } from '@switchboard/testkit';
import { nowSeconds, token } from '../tokens.js';
import { type HostileNode, report, startHostileNode, until } from './harness.js';

/**
 * Presence privacy: with API_KEYS set, who is online (user ids) and a topic's users need a key,
 * on the all-in-one and on the presence service; the aggregate counts too unless
 * PRESENCE_PUBLIC_COUNTS=true. An attacker enumerating users and topics without a key gets 401
 * and nothing else, while the edge keeps serving.
 */

const JWT_SECRET = 'hostile-presence-jwt-secret-0123456789abc';
const API_KEY = 'hostile-presence-api-key-0123456789';
const RSS_BOUND_MB = 50;

const userToken = (sub: string) => token({ sub, exp: nowSeconds() + 600, subscribe: ['hostile.>', 'room.>'] }, JWT_SECRET);

async function status(url: string, key?: string): Promise<[number, string]> {
  const res = await fetch(url, { headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });
  return [res.status, await res.text()];
}

describe('hostile: presence needs an API key', { timeout: 120_000 }, () => {
  let node: HostileNode;
  let alice: WsTestClient;
  before(async () => {
    node = await startHostileNode('presence', {
      env: { AUTH_JWT_SECRET: JWT_SECRET, API_KEYS: API_KEY, PRESENCE_INTERVAL_MS: '200' },
      apiKey: API_KEY,
      watcherToken: await userToken('watcher'),
    });
    alice = await WsTestClient.connect(node.ws, { welcome: false });
    alice.send({ op: 'connect', token: await userToken('alice') });
    await alice.next((f) => f.op === 'welcome');
    assert.equal((await alice.request({ op: 'subscribe', id: 1, topic: 'room.secret' })).op, 'ack');
  });
  after(async () => {
    alice?.ws.terminate();
    await node?.stop();
  });

  it('the all-in-one: users and topic members need a key, counts too by default; 400 probes get 401', async () => {
    await until(
      async () => (await status(`${node.http}/v1/presence/users/alice`, API_KEY))[1].includes('room.secret'),
      'presence of alice',
      10_000,
    );
    const probes = ['/v1/presence/users/alice', '/v1/presence/topics/room.secret', '/v1/presence', '/v1/presence/topics?top=10'];
    for (let round = 0; round < 100; round++) {
      const answers = await Promise.all(probes.map((p) => status(`${node.http}${p}`)));
      for (const [code, body] of answers) {
        assert.equal(code, 401, body);
        assert.ok(!body.includes('alice') && !body.includes('room.secret'), body);
      }
    }
    const [code, body] = await status(`${node.http}/v1/presence/topics/room.secret`, API_KEY);
    assert.equal(code, 200);
    assert.deepEqual((JSON.parse(body) as { users: string[] }).users, ['alice']);
    const figures = await node.finish();
    report('presence probes (400 unauthenticated reads)', figures, `+${RSS_BOUND_MB} MB`);
    assert.ok(figures.peakMb - figures.baselineMb < RSS_BOUND_MB);
  });

  it('the presence service: the same rules, and PRESENCE_PUBLIC_COUNTS opens the counts only', async () => {
    const { freePort } = await import('@switchboard/testkit');
    const port = await freePort();
    const service = spawnTracked(process.execPath, ['--import', 'tsx', 'services/presence/src/main.ts'], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', API_KEYS: API_KEY, PRESENCE_PUBLIC_COUNTS: 'true', NODE_ID: 'p1' },
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await until(
        () =>
          fetch(`${base}/healthz`).then(
            (r) => r.ok,
            () => false,
          ),
        'the presence service',
        20_000,
      );
      assert.equal((await status(`${base}/v1/presence/users/alice`))[0], 401);
      assert.equal((await status(`${base}/v1/presence/topics/room.secret`))[0], 401);
      assert.equal((await status(`${base}/v1/presence`))[0], 200);
      assert.equal((await status(`${base}/v1/presence/topics?top=3`))[0], 200);
      assert.equal((await status(`${base}/v1/presence/users/alice`, API_KEY))[0], 200);
    } finally {
      await stopProcess(service, 'SIGKILL');
    }
  });
});
