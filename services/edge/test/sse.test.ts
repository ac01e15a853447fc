import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openSse } from './sse-reader.js';
import { T, TestServer } from './support.js';
import { SECRET, token } from './tokens.js';

describe('SSE fallback: GET /sse', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ HEARTBEAT_MS: '200' });
  });
  after(() => server.close());

  it('streams the topics as message events (id <topic>:<offset>, data = the WebSocket frame) and sets sb_node', T, async () => {
    const sse = await openSse(`${server.url}/sse?topics=news,sport`);
    assert.equal(sse.res.status, 200);
    assert.match(sse.res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.match(sse.res.headers.get('set-cookie') ?? '', /^sb_node=edge-test;/);
    await sse.waitFor((e) => e.filter((x) => x.event === 'ack').length === 2);
    await server.publish('news', { n: 1 });
    await server.publish('sport', { n: 2 });
    await server.publish('weather', { n: 3 });
    await sse.waitFor(() => sse.messages().length === 2);
    assert.deepEqual(
      sse.messages().map((e) => [e.id, JSON.parse(e.data)]),
      [
        ['news:1', { op: 'message', topic: 'news', offset: 1, data: { n: 1 } }],
        ['sport:1', { op: 'message', topic: 'sport', offset: 1, data: { n: 2 } }],
      ],
    );
    assert.equal(JSON.parse(sse.events[0]?.data ?? '{}').op, 'welcome');
    await sse.close();
  });

  it('resumes from Last-Event-ID, and several topics from `since`, missed messages first', T, async () => {
    for (let n = 1; n <= 3; n++) await server.publish('resume.a', n);
    for (let n = 1; n <= 2; n++) await server.publish('resume.b', n);
    const one = await openSse(`${server.url}/sse?topics=resume.a`, { 'last-event-id': 'resume.a:1' });
    await one.waitFor(() => one.messages().length === 2);
    await server.publish('resume.a', 4);
    await one.waitFor(() => one.messages().length === 3);
    assert.deepEqual(
      one.messages().map((e) => e.id),
      ['resume.a:2', 'resume.a:3', 'resume.a:4'],
    );
    await one.close();
    const both = await openSse(`${server.url}/sse?topics=resume.a,resume.b&since=resume.a:3,resume.b:0`);
    await both.waitFor(() => both.messages().length === 3);
    assert.deepEqual(
      both
        .messages()
        .map((e) => e.id)
        .sort(),
      ['resume.a:4', 'resume.b:1', 'resume.b:2'],
    );
    await both.close();
  });

  it('keeps a silent SSE client (it cannot answer pings) past several heartbeats', T, async () => {
    const sse = await openSse(`${server.url}/sse?topics=quiet`);
    await new Promise((r) => setTimeout(r, 700));
    await server.publish('quiet', 'still here');
    await sse.waitFor(() => sse.messages().length === 1);
    assert.equal(sse.ended, false);
    await sse.close();
  });

  it('answers 400 for missing or invalid topics', T, async () => {
    for (const query of ['', '?topics=', '?topics=a%20b', '?topics=ok&since=nonsense']) {
      const res = await fetch(`${server.url}/sse${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'bad_topic');
    }
  });

  it('counts the SSE client as a connection and forgets it when it leaves', T, async () => {
    const before = server.node.edge.stats.connections;
    const sse = await openSse(`${server.url}/sse?topics=count`);
    await sse.waitFor((e) => e.some((x) => x.event === 'ack'));
    assert.equal(server.node.edge.stats.connections, before + 1);
    await sse.close();
    const deadline = Date.now() + 2000;
    while (server.node.edge.stats.connections !== before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.node.edge.stats.connections, before);
    assert.equal(server.node.edge.registry.subscribersOf('count').size, 0);
  });
});

describe('SSE fallback: subscribes are not client messages', () => {
  it('subscribes to more topics than the rate burst allows messages, without spending the budget', T, async () => {
    // The URL's topics are subscribed directly by the session, not sent as frames a client could be limited for.
    const server = await TestServer.start({ MESSAGE_RATE_LIMIT: '1', MESSAGE_RATE_BURST: '2' });
    try {
      const topics = ['r1', 'r2', 'r3', 'r4', 'r5'];
      const sse = await openSse(`${server.url}/sse?topics=${topics.join(',')}`);
      await sse.waitFor((e) => e.filter((x) => x.event === 'ack').length === topics.length);
      assert.equal(server.node.edge.stats.rateLimitCloses, 0);
      const session = [...server.node.edge.sessions].find((s) => s.passive && !s.closed);
      assert.ok(session !== undefined, 'the SSE session');
      assert.equal(session.bucket.take() && session.bucket.take(), true, 'the whole burst is left');
      for (const topic of topics) await server.publish(topic, topic);
      await sse.waitFor(() => sse.messages().length === topics.length);
      assert.deepEqual(
        sse.messages().map((e) => JSON.parse(e.data).data),
        topics,
      );
      assert.equal(sse.ended, false);
      await sse.close();
    } finally {
      await server.close();
    }
  });
});

describe('SSE fallback with auth and drain', () => {
  it('needs a valid token in the URL, and checks topic permissions', T, async () => {
    const server = await TestServer.start({ AUTH_JWT_SECRET: SECRET, AUTH_TIMEOUT_MS: '300' });
    try {
      // No token: 401 at once (a stream cannot send a connect frame). An invalid one: close 4001.
      const anonymous = await fetch(`${server.url}/sse?topics=secret`);
      assert.equal(anonymous.status, 401);
      assert.match(await anonymous.text(), /"code":"unauthorized"/);
      const forged = await openSse(`${server.url}/sse?topics=secret&token=not-a-jwt`);
      await forged.waitFor((e) => e.some((x) => x.event === 'close'));
      assert.equal(JSON.parse(forged.events.find((x) => x.event === 'close')?.data ?? '{}').code, 4001);
      assert.equal(forged.messages().length, 0);
      await forged.close();

      const jwt = await token({ subscribe: ['allowed'] });
      const sse = await openSse(`${server.url}/sse?topics=allowed,secret&token=${jwt}`);
      await sse.waitFor((e) => e.some((x) => x.event === 'ack') && e.some((x) => x.event === 'error'));
      assert.equal(JSON.parse(sse.events.find((x) => x.event === 'error')?.data ?? '{}').code, 'forbidden');
      await server.publish('allowed', 'yes');
      await server.publish('secret', 'no');
      await sse.waitFor(() => sse.messages().length === 1);
      assert.equal(JSON.parse(sse.messages()[0]?.data ?? '{}').data, 'yes');
      await sse.close();
    } finally {
      await server.close();
    }
  });

  it('turns a drain into retry: <after> and the end of the stream', T, async () => {
    const server = await TestServer.start({ DRAIN_TIMEOUT_MS: '400' });
    try {
      const sse = await openSse(`${server.url}/sse?topics=d`);
      await sse.waitFor((e) => e.some((x) => x.event === 'ack'));
      const drained = server.node.edge.drain();
      const events = await sse.waitFor((e) => e.some((x) => x.event === 'reconnect'));
      const reconnect = events.find((x) => x.event === 'reconnect');
      assert.ok(reconnect?.retry !== undefined && reconnect.retry <= 200, `retry: ${reconnect?.retry}`);
      await drained;
      const deadline = Date.now() + 2000;
      while (!sse.ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(sse.ended, true);
    } finally {
      await server.close();
    }
  });
});
