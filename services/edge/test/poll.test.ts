import assert from 'node:assert/strict';
import { get } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { sleep, T, TestServer } from './support.js';
import { SECRET, token } from './tokens.js';

interface PollBody {
  messages: { topic: string; offset: number | null; data: unknown }[];
  positions: Record<string, { offset: number | null; epoch: string | null; recovered?: boolean }>;
  error?: { code: string; message: string };
}

/** One poll from `localAddress` (127.0.0.x: another client address on loopback). */
function poll(url: string, headers: Record<string, string> = {}, localAddress = '127.0.0.1') {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: PollBody; at: number }>((resolve, reject) => {
    const req = get(url, { headers, localAddress, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as PollBody, at: performance.now() }),
      );
    });
    req.on('error', reject);
  });
}

const since = (body: PollBody) =>
  Object.entries(body.positions)
    .map(([t, p]) => `${t}:${p.offset ?? 0}`)
    .join(',');

describe('long-polling: GET /poll', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ POLL_MAX_WAIT_MS: '5000', MAX_SEND_BUFFER_BYTES: '4096' });
  });
  after(() => server.close());

  it('answers missed messages at once ({topic, offset, data}) with positions to continue from', T, async () => {
    for (let n = 1; n <= 3; n++) await server.publish('p.a', { n });
    await server.publish('p.b', 'b1');
    const t0 = performance.now();
    const first = await poll(`${server.url}/poll?topics=p.a,p.b&since=p.a:1,p.b:0&wait=5000`);
    assert.ok(first.at - t0 < 1000, `missed messages took ${first.at - t0} ms`);
    assert.equal(first.status, 200);
    assert.equal(first.headers['cache-control'], 'no-store');
    // Order is per topic (the topics' replays run side by side and may interleave).
    const ofTopic = (topic: string) => first.body.messages.filter((m: { topic: string }) => m.topic === topic);
    assert.equal(first.body.messages.length, 3);
    assert.deepEqual(ofTopic('p.a'), [
      { topic: 'p.a', offset: 2, data: { n: 2 } },
      { topic: 'p.a', offset: 3, data: { n: 3 } },
    ]);
    assert.deepEqual(ofTopic('p.b'), [{ topic: 'p.b', offset: 1, data: 'b1' }]);
    assert.equal(first.body.positions['p.a']?.offset, 3);
    assert.equal(first.body.positions['p.b']?.offset, 1);
    assert.equal(typeof first.body.positions['p.a']?.epoch, 'string');
    // Nothing held between polls: the subscriptions are gone with the answer.
    await server.until(() => server.node.edge.registry.subscribersOf('p.a').size === 0, 'poll subscription dropped');
  });

  it('an idle poll answers within a few ms of the next publish, and continues gap-free from positions', T, async () => {
    const idle = poll(`${server.url}/poll?topics=idle.t&since=idle.t:0&wait=5000`);
    await server.until(() => server.node.edge.registry.subscribersOf('idle.t').size === 1, 'poll subscribed');
    await sleep(50);
    const t0 = performance.now();
    await server.publish('idle.t', 'now');
    const answer = await idle;
    const ms = answer.at - t0;
    assert.deepEqual(answer.body.messages, [{ topic: 'idle.t', offset: 1, data: 'now' }]);
    assert.ok(ms < 250, `answered ${ms.toFixed(1)} ms after the publish`);
    process.stdout.write(`# poll answered ${ms.toFixed(2)} ms after the publish\n`);
    // Published between two polls: the next poll's since finds it in history.
    await server.publish('idle.t', 'between');
    const next = await poll(`${server.url}/poll?topics=idle.t&since=${since(answer.body)}&wait=5000`);
    assert.deepEqual(next.body.messages, [{ topic: 'idle.t', offset: 2, data: 'between' }]);
  });

  it('answers an empty list with the positions when the wait passes; a poll without since starts at the tip', T, async () => {
    await server.publish('quiet.t', 1);
    const t0 = performance.now();
    const answer = await poll(`${server.url}/poll?topics=quiet.t&wait=150`);
    assert.ok(answer.at - t0 >= 140, 'waited');
    assert.deepEqual(answer.body.messages, []);
    assert.equal(answer.body.positions['quiet.t']?.offset, 1);
  });

  it('cuts a large catch-up at the answer budget; the next polls continue exactly once, in order', T, async () => {
    const blob = 'x'.repeat(500);
    for (let n = 1; n <= 30; n++) await server.publish('big.t', { n, blob });
    const got: number[] = [];
    let position = 'big.t:0';
    for (let i = 0; i < 30 && got.length < 30; i++) {
      const answer = await poll(`${server.url}/poll?topics=big.t&since=${position}&wait=0`);
      assert.ok(answer.body.messages.length <= 8, 'bounded by MAX_SEND_BUFFER_BYTES');
      got.push(...answer.body.messages.map((m) => (m.data as { n: number }).n));
      position = since(answer.body);
    }
    assert.deepEqual(
      got,
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
  });

  it('refuses bad input with documented errors', T, async () => {
    const cases: [string, number, string][] = [
      ['/poll', 400, 'bad_topic'],
      ['/poll?topics=a..b', 400, 'bad_topic'],
      ['/poll?topics=a&since=a:x', 400, 'bad_request'],
      ['/poll?topics=a&since=b:1', 400, 'bad_request'],
      ['/poll?topics=a&since=a:-1', 400, 'bad_request'],
      ['/poll?topics=a&wait=-5', 400, 'bad_request'],
      [`/poll?topics=${Array.from({ length: 200 }, (_, i) => `t${i}`).join(',')}`, 400, 'bad_topic'],
    ];
    for (const [path, status, code] of cases) {
      const answer = await poll(`${server.url}${path}`);
      assert.equal(answer.status, status, path);
      assert.equal(answer.body.error?.code, code, path);
    }
  });

  it('sets CORS headers for an allowed origin', T, async () => {
    const answer = await poll(`${server.url}/poll?topics=c.t&wait=0`, { origin: 'http://app.example' });
    assert.equal(answer.headers['access-control-allow-origin'], 'http://app.example');
  });
});

describe('long-polling: limits, drain, auth', () => {
  it('bounds waiting polls per address (429) and per edge (503) while RSS stays flat and others are served', {
    timeout: 30_000,
  }, async () => {
    const server = await TestServer.start({ POLL_MAX_WAITING: '400', POLL_MAX_WAITING_PER_IP: '300', POLL_MAX_WAIT_MS: '20000' });
    try {
      const rss0 = process.memoryUsage().rss;
      const hostile = Array.from({ length: 300 }, (_, i) => poll(`${server.url}/poll?topics=h.${i},h.all&wait=20000`));
      await server.until(() => server.node.edge.registry.subscribersOf('h.all').size === 300, '300 waiting polls', 15_000);
      const perIp = await poll(`${server.url}/poll?topics=h.x&wait=20000`);
      assert.equal(perIp.status, 429);
      assert.equal(perIp.body.error?.code, 'rate_limited');
      const others = Array.from({ length: 100 }, () => poll(`${server.url}/poll?topics=good&wait=20000`, {}, '127.0.0.2'));
      await server.until(() => server.node.edge.registry.subscribersOf('good').size === 100, '100 more', 15_000);
      const full = await poll(`${server.url}/poll?topics=h.y&wait=20000`, {}, '127.0.0.3');
      assert.equal(full.status, 503);
      await server.publish('good', 'hello');
      for (const answer of await Promise.all(others)) assert.deepEqual(answer.body.messages, [{ topic: 'good', offset: 1, data: 'hello' }]);
      const grown = (process.memoryUsage().rss - rss0) / 1024 / 1024;
      process.stdout.write(`# RSS grew ${grown.toFixed(1)} MiB for 400 waiting polls (test process holds both ends)\n`);
      assert.ok(grown < 80, `RSS grew ${grown} MiB`);
      await server.publish('h.all', 'bye');
      assert.equal((await Promise.all(hostile)).filter((a) => a.body.messages.length === 1).length, 300);
      await server.until(() => server.node.edge.stats.connections === 0, 'all slots released');
    } finally {
      await server.close();
    }
  });

  it('a draining edge answers waiting polls at once and refuses new ones with 503', T, async () => {
    const server = await TestServer.start({ DRAIN_TIMEOUT_MS: '3000' });
    try {
      await server.publish('d.t', 1);
      const waiting = poll(`${server.url}/poll?topics=d.t&wait=20000`);
      await server.until(() => server.node.edge.registry.subscribersOf('d.t').size === 1, 'waiting');
      const t0 = performance.now();
      const drained = server.node.edge.drain();
      const answer = await waiting;
      assert.ok(answer.at - t0 < 500, `answered ${answer.at - t0} ms into the drain`);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body.positions['d.t']?.offset, 1);
      assert.equal((await poll(`${server.url}/poll?topics=d.t&wait=0`)).status, 503);
      await drained;
    } finally {
      await server.close();
    }
  });

  it('with auth: no token 401, a bad token 401, a forbidden topic 403, a good token is served', T, async () => {
    const server = await TestServer.start({ AUTH_JWT_SECRET: SECRET });
    try {
      assert.equal((await poll(`${server.url}/poll?topics=s.a&wait=0`)).status, 401);
      assert.equal((await poll(`${server.url}/poll?topics=s.a&wait=0&token=nonsense`)).status, 401);
      const good = await token({ subscribe: ['s.a'] });
      const forbidden = await poll(`${server.url}/poll?topics=s.a,s.b&wait=0&token=${good}`);
      assert.equal(forbidden.status, 403);
      assert.equal(forbidden.body.error?.code, 'forbidden');
      await server.publish('s.a', 'secret');
      const ok = await poll(`${server.url}/poll?topics=s.a&since=s.a:0&wait=0&token=${good}`);
      assert.deepEqual(ok.body.messages, [{ topic: 's.a', offset: 1, data: 'secret' }]);
    } finally {
      await server.close();
    }
  });
});
