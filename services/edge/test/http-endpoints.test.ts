import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { requestJson } from '@switchboard/testkit';
import { WebSocket } from 'ws';
import { closedWithin, T, TestServer } from './support.js';

/** Opens a raw WebSocket on `path`; resolves with the HTTP status of the upgrade answer and its headers. */
function upgrade(port: number, path: string): Promise<{ status: number; headers: IncomingMessage['headers'] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no upgrade answer within 3 s'));
    }, 3000);
    const done = (res: IncomingMessage, status: number) => {
      clearTimeout(timer);
      resolve({ status, headers: res.headers });
    };
    ws.once('upgrade', (res) => {
      done(res, 101);
      ws.terminate();
    });
    ws.once('unexpected-response', (req, res) => {
      done(res, res.statusCode ?? 0);
      res.resume();
      req.destroy();
    });
    ws.on('error', () => undefined);
  });
}

/** The value of the metric line whose name and labels contain every string of `parts`. */
function metricValue(text: string, name: string, ...parts: string[]): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && parts.every((p) => l.includes(p)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('HTTP endpoints of the edge', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
  });
  after(() => server.close());

  it('GET /healthz -> 200', T, async () => {
    const res = await requestJson(`${server.url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok' });
  });

  it('GET /readyz -> 200 while the bus is up and the node is not draining', T, async () => {
    const res = await requestJson(`${server.url}/readyz`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ready' });
  });

  it('GET /metrics -> Prometheus text with connections and bus state', T, async () => {
    const client = await server.client();
    await client.request({ op: 'subscribe', id: 1, topic: 'metrics.t' });
    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    assert.match(text, /# TYPE switchboard_edge_connections gauge/);
    assert.equal(metricValue(text, 'switchboard_edge_connections', 'node="edge-test"'), server.node.edge.sessions.size);
    assert.ok((metricValue(text, 'switchboard_edge_connections') ?? 0) >= 1);
    assert.ok((metricValue(text, 'switchboard_edge_subscriptions') ?? 0) >= 1);
    assert.equal(metricValue(text, 'switchboard_bus_state', 'state="up"'), 1);
    assert.equal(metricValue(text, 'switchboard_bus_state', 'state="down"'), 0);
    assert.equal(metricValue(text, 'switchboard_bus_state', 'state="closed"'), 0);
  });

  it('an upgrade on a path other than /ws -> 404', T, async () => {
    assert.equal((await upgrade(server.node.port, '/')).status, 404);
    assert.equal((await upgrade(server.node.port, '/wsx')).status, 404);
    assert.equal((await upgrade(server.node.port, '/v1/ws')).status, 404);
    assert.equal((await upgrade(server.node.port, '/ws?x=1')).status, 101, 'a query string is fine');
  });

  it('the upgrade answer sets the sb_node cookie', T, async () => {
    const { status, headers } = await upgrade(server.node.port, '/ws');
    assert.equal(status, 101);
    const cookies = headers['set-cookie'] ?? [];
    const cookie = cookies.find((c) => c.startsWith('sb_node='));
    assert.ok(cookie !== undefined, `cookies: ${JSON.stringify(cookies)}`);
    assert.match(cookie, /^sb_node=edge-test;/);
    assert.match(cookie, /Path=\//);
  });
});

describe('GET /readyz while draining', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ DRAIN_TIMEOUT_MS: '3000' });
  });
  after(() => server.close());

  it('-> 503 as soon as a drain starts, and WebSocket upgrades are refused with 503', T, async () => {
    const client = await server.client();
    const drained = server.node.edge.drain();
    const res = await requestJson(`${server.url}/readyz`);
    assert.equal(res.status, 503);
    assert.deepEqual(res.body, { status: 'not ready' });
    assert.equal((await upgrade(server.node.port, '/ws')).status, 503);
    assert.equal((await requestJson(`${server.url}/healthz`)).status, 200, 'the process is still up');
    await client.next((f) => f.op === 'reconnect');
    client.ws.close(1000, 'bye');
    await drained;
    assert.equal((await closedWithin(client)).code, 1000, 'the client closed itself');
  });
});

describe('GET /readyz with the bus closed', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
  });
  after(() => server.close());

  it('-> 503, /metrics shows the bus closed, and upgrades are refused', T, async () => {
    await server.node.bus.close();
    const res = await requestJson(`${server.url}/readyz`);
    assert.equal(res.status, 503);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    assert.equal(metricValue(text, 'switchboard_bus_state', 'state="closed"'), 1);
    assert.equal(metricValue(text, 'switchboard_bus_state', 'state="up"'), 0);
    assert.equal((await upgrade(server.node.port, '/ws')).status, 503);
  });
});
