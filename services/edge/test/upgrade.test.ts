import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { addressKey } from '../src/transport/websocket/upgrade-guard.js';
import { sleep, T, TestServer } from './support.js';

/** The upgrade's outcome: 101 when the WebSocket opened (then closed again), else the HTTP status. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.once('error', reject);
  });
}

describe('upgrade: ALLOWED_ORIGINS', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ ALLOWED_ORIGINS: 'https://app.test, http://localhost:3000, https://*.example.org' });
  });
  after(() => server.close());

  const TABLE: ReadonlyArray<readonly [string | undefined, number]> = [
    ['https://app.test', 101],
    ['http://localhost:3000', 101],
    ['https://a.example.org', 101],
    ['https://deep.a.example.org', 101],
    ['https://evil.test', 403],
    ['http://app.test', 403],
    ['https://app.test.evil.test', 403],
    ['https://example.org', 403],
    ['null', 403],
    [undefined, 101],
  ];
  for (const [origin, status] of TABLE) {
    it(`Origin ${origin ?? '(none)'} -> ${status}`, T, async () => {
      const headers: Record<string, string> = origin === undefined ? {} : { origin };
      assert.equal(await upgradeStatus(server.wsUrl, headers), status);
    });
  }

  it('counts refused origins; no session was ever made for them', T, async () => {
    assert.equal(server.node.edge.stats.originRefused, 5);
    await server.until(() => server.node.edge.stats.connections === 0, 'every accepted test socket to close');
    assert.equal(server.node.edge.stats.connectionsTotal, 5, 'only the five accepted upgrades became sessions');
  });
});

describe('upgrade: REQUIRE_ORIGIN', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ REQUIRE_ORIGIN: 'true' });
  });
  after(() => server.close());

  it('refuses an upgrade without Origin (403); any origin is fine while ALLOWED_ORIGINS is unset', T, async () => {
    assert.equal(await upgradeStatus(server.wsUrl), 403);
    assert.equal(await upgradeStatus(server.wsUrl, { origin: 'https://any.test' }), 101);
  });
});

describe('upgrade: CONNECT_RATE_LIMIT / CONNECT_RATE_BURST', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ CONNECT_RATE_LIMIT: '2', CONNECT_RATE_BURST: '3' });
  });
  after(() => server.close());

  it('429 past the burst for one address; the bucket refills', T, async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await upgradeStatus(server.wsUrl));
    assert.deepEqual(statuses, [101, 101, 101, 429, 429]);
    assert.equal(server.node.edge.stats.connectRateLimited, 2);
    await sleep(600);
    assert.equal(await upgradeStatus(server.wsUrl), 101);
    // HTTP requests (health, API) are not counted.
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });
});

describe('addressKey', () => {
  const TABLE: ReadonlyArray<readonly [string | undefined, string]> = [
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:db8::', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    [undefined, '?'],
  ];
  for (const [address, key] of TABLE) {
    it(`${address} -> ${key}`, () => assert.equal(addressKey(address), key));
  }
  it('two addresses of one /64 share a key', () => {
    assert.equal(addressKey('2001:db8:1:2::a'), addressKey('2001:db8:1:2:ffff::b'));
    assert.notEqual(addressKey('2001:db8:1:2::a'), addressKey('2001:db8:1:3::a'));
  });
});

describe('upgrade: HANDSHAKE_TIMEOUT_MS (slowloris)', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ HANDSHAKE_TIMEOUT_MS: '500' });
  });
  after(() => server.close());

  it('drops a socket that sends a partial upgrade request, within the bound; others still connect', T, async () => {
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve) => {
      const socket = connect(server.node.port, '127.0.0.1', () => {
        socket.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Ver');
      });
      socket.on('error', () => undefined);
      socket.resume(); // read the 408 and the end of the stream
      socket.on('close', () => resolve(Date.now() - started));
    });
    assert.ok(closedAfter >= 400 && closedAfter < 2000, `closed after ${closedAfter} ms`);
    assert.equal(await upgradeStatus(server.wsUrl), 101);
  });
});
