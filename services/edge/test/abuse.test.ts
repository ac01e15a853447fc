import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort, spawnTracked, stopProcess, WsTestClient } from '@switchboard/testkit';
import { WebSocket } from 'ws';

/**
 * Abuse suite against an all-in-one started as its own process (so its RSS is its own): hostile
 * frames, oversized frames, subscribe storms, slowloris, and 5,000 connections opened and
 * dropped at once. Throughout, a backend publishes to `abuse.watch` and one well-behaved client
 * must receive every message, in order. The node must stay up and under RSS_LIMIT_MB.
 */

const RSS_LIMIT_MB = 400;
const STORM_CONNECTIONS = 5000;
const WAVE = 500;
const HANDSHAKE_TIMEOUT_MS = 1000;

type Child = ReturnType<typeof spawnTracked>;

let child: Child;
let port = 0;
let wsUrl = '';
let maxRssMb = 0;
let rssTimer: NodeJS.Timeout | undefined;

function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? 0 : Number(match[1]) / 1024;
}

/** A number from the node's /metrics. */
async function metric(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return match === null ? Number.NaN : Number(match[1]);
}

async function until(probe: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens a socket, runs `abuse` on open, resolves with the close code (bounded). */
function abusedSocket(abuse: (ws: WebSocket) => void, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('the server did not close the abusive connection'));
    }, timeoutMs);
    ws.on('open', () => abuse(ws));
    ws.on('error', () => undefined);
    ws.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** The well-behaved client: subscribed to abuse.watch, answering pings. */
let watcher: WsTestClient;
/** The backend: publishes n = 1, 2, … to abuse.watch until stopped. */
let published = 0;
let publishing = true;
let publisherDone: Promise<void> = Promise.resolve();

async function publishLoop(): Promise<void> {
  while (publishing) {
    const res = await fetch(`http://127.0.0.1:${port}/v1/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'abuse.watch', data: { n: published + 1 } }),
    });
    assert.equal(res.status, 200, await res.text());
    published++;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('abuse: one node under attack keeps serving a well-behaved client', { timeout: 60_000 }, () => {
  before(async () => {
    port = await freePort();
    wsUrl = `ws://127.0.0.1:${port}/ws`;
    child = spawnTracked(process.execPath, ['--import', 'tsx', 'services/all-in-one/src/main.ts'], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        NODE_ID: 'abuse-1',
        HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_TIMEOUT_MS),
      },
    });
    await until(
      () =>
        fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        ),
      'the all-in-one to be ready',
      20_000,
    );
    const pid = child.pid as number;
    maxRssMb = rssMb(pid);
    rssTimer = setInterval(() => {
      maxRssMb = Math.max(maxRssMb, rssMb(pid));
    }, 100);
    watcher = await WsTestClient.connect(wsUrl);
    watcher.ws.on('message', (data) => {
      if (data.toString() === '{"op":"ping"}') watcher.send({ op: 'pong' });
    });
    assert.equal((await watcher.request({ op: 'subscribe', id: 1, topic: 'abuse.watch' })).op, 'ack');
    publisherDone = publishLoop();
  });

  after(async () => {
    publishing = false;
    clearInterval(rssTimer);
    watcher?.ws.terminate();
    if (child !== undefined) await stopProcess(child, 'SIGKILL');
  });

  it('random bytes (binary and invalid UTF-8 text) close with 4400/1007', { timeout: 15_000 }, async () => {
    const codes = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        abusedSocket((ws) => {
          for (let j = 0; j < 10; j++) ws.send(randomBytes(1 + ((i * 37 + j * 101) % 4000)), { binary: i % 2 === 0 });
        }),
      ),
    );
    for (const code of codes) assert.ok([4400, 1007, 1002].includes(code), `closed with ${code}`);
  });

  it('deeply nested JSON: refused (4400 or an error frame), never a crash', { timeout: 15_000 }, async () => {
    const unclosed = await Promise.all(Array.from({ length: 20 }, () => abusedSocket((ws) => ws.send('['.repeat(60_000)))));
    for (const code of unclosed) assert.equal(code, 4400);
    const client = await WsTestClient.connect(wsUrl);
    try {
      const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
      const since = await client.request({ op: 'subscribe', id: 1, topic: 'abuse.deep', since: 0 });
      assert.equal(since.op, 'error');
      client.send(`{"op":"subscribe","id":2,"topic":"abuse.deep","since":${deep}}`);
      client.send(`{"op":"publish","id":3,"topic":"abuse.deep","data":${deep}}`);
      const answers = await client.collect((f) => f.id === 2 || f.id === 3, 2, 10_000);
      assert.equal(answers.find((f) => f.id === 2)?.code, 'bad_request');
      assert.ok(['ack', 'error'].includes(answers.find((f) => f.id === 3)?.op ?? ''));
      assert.equal(client.ws.readyState, client.ws.OPEN);
    } finally {
      client.ws.terminate();
    }
  });

  it('1 MB frames close with 1009', { timeout: 15_000 }, async () => {
    const big = Buffer.alloc(1024 * 1024, 'x').toString();
    const codes = await Promise.all(
      Array.from({ length: 20 }, () => abusedSocket((ws) => ws.send(`{"op":"publish","topic":"a","data":"${big}"}`))),
    );
    for (const code of codes) assert.equal(code, 1009);
  });

  it('subscribe storms: the rate limit cuts floods (4029), MAX_SUBSCRIPTIONS caps each connection, all freed on close', {
    timeout: 20_000,
  }, async () => {
    const codes = await Promise.all(
      Array.from({ length: 20 }, (_, c) =>
        abusedSocket((ws) => {
          for (let i = 0; i < 2000; i++) ws.send(`{"op":"subscribe","id":${i},"topic":"storm.c${c}.t${i}"}`);
        }),
      ),
    );
    for (const code of codes) assert.equal(code, 4029);
    // A client within its rate: 128 subscriptions, then too_many_subscriptions.
    const paced = await WsTestClient.connect(wsUrl);
    try {
      for (let i = 0; i < 128; i++) paced.send({ op: 'subscribe', id: i, topic: `storm.paced.t${i}` });
      await paced.collect((f) => f.op === 'ack', 128, 10_000);
      const over = await paced.request({ op: 'subscribe', id: 1000, topic: 'storm.paced.over' });
      assert.equal(over.code, 'too_many_subscriptions');
    } finally {
      paced.ws.terminate();
    }
    await until(async () => (await metric('switchboard_edge_subscriptions')) === 1, 'subscriptions back to the watcher alone', 10_000);
    await until(async () => (await metric('switchboard_edge_bus_topics')) === 1, 'bus topics back to abuse.watch alone', 10_000);
  });

  it('slowloris: 300 partial upgrade requests are dropped within HANDSHAKE_TIMEOUT_MS; new clients still get in', {
    timeout: 15_000,
  }, async () => {
    const started = Date.now();
    const closedAfter = Array.from(
      { length: 300 },
      (_, i) =>
        new Promise<number>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => socket.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-${i}: `));
          socket.on('error', () => undefined);
          socket.resume();
          socket.on('close', () => resolve(Date.now() - started));
        }),
    );
    const fresh = await WsTestClient.connect(wsUrl);
    assert.equal((await fresh.request({ op: 'subscribe', id: 1, topic: 'abuse.fresh' })).op, 'ack');
    fresh.ws.terminate();
    const times = await Promise.all(closedAfter);
    const slowest = Math.max(...times);
    assert.ok(slowest < HANDSHAKE_TIMEOUT_MS + 3000, `the last partial request was dropped after ${slowest} ms`);
  });

  it(`${STORM_CONNECTIONS} connections opened and dropped at once`, { timeout: 40_000 }, async () => {
    const sockets: WebSocket[] = [];
    for (let opened = 0; opened < STORM_CONNECTIONS; opened += WAVE) {
      const wave = Array.from(
        { length: Math.min(WAVE, STORM_CONNECTIONS - opened) },
        () =>
          new Promise<void>((resolve, reject) => {
            const ws = new WebSocket(wsUrl);
            sockets.push(ws);
            ws.once('message', () => resolve()); // welcome
            ws.once('error', reject);
          }),
      );
      await Promise.all(wave);
    }
    assert.equal(await metric('switchboard_edge_connections'), STORM_CONNECTIONS + 1, 'all of them open at once, plus the watcher');
    for (const ws of sockets) ws.terminate();
    await until(async () => (await metric('switchboard_edge_connections')) === 1, 'only the watcher left', 20_000);
  });

  it('the node stayed up and small, and the watcher got every message in order', { timeout: 15_000 }, async () => {
    publishing = false;
    await publisherDone;
    assert.ok(published > 50, `published ${published}`);
    const messages = await watcher.collect((f) => f.op === 'message', published, 10_000);
    assert.deepEqual(
      messages.map((m) => (m.data as { n: number }).n),
      Array.from({ length: published }, (_, i) => i + 1),
    );
    assert.deepEqual(
      messages.map((m) => m.offset),
      Array.from({ length: published }, (_, i) => i + 1),
    );
    assert.equal(watcher.ws.readyState, watcher.ws.OPEN);
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    assert.equal(child.exitCode, null);
    console.log(
      `# abuse: ${published} messages delivered in order; the node's peak RSS was ${maxRssMb.toFixed(0)} MB (limit ${RSS_LIMIT_MB} MB)`,
    );
    assert.ok(maxRssMb > 0 && maxRssMb < RSS_LIMIT_MB, `peak RSS ${maxRssMb.toFixed(0)} MB`);
  });
});
