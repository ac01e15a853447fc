import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WsTestClient } from '@switchboard/testkit';
import { T, TestServer } from './support.js';
import { SECRET, token } from './tokens.js';

interface Delivery {
  topic: string;
  offset: number | null;
  data: unknown;
}

/** One client of one transport, subscribed to topics: what it received, how it ended. */
interface Receiver {
  received(): Delivery[];
  /** Resolves once the server told this client to go (drain) or ended its connection. */
  ended(): boolean;
  close(): Promise<void>;
}

interface Driver {
  name: string;
  /** Opens a client on `topics` (resuming `since` = `{topic: offset}`); resolves once subscribed, or with the HTTP status / close code of a refusal. */
  open(server: TestServer, topics: string[], since?: Record<string, number>, tok?: string): Promise<Receiver | number>;
}

const query = (topics: string[], since: Record<string, number> = {}, tok?: string) =>
  `topics=${topics.join(',')}&since=${Object.entries(since)
    .map(([t, o]) => `${t}:${o}`)
    .join(',')}${tok === undefined ? '' : `&token=${tok}`}`;

const websocket: Driver = {
  name: 'websocket',
  async open(server, topics, since = {}, tok) {
    const client = await WsTestClient.connect(server.wsUrl, { welcome: tok === undefined });
    if (tok !== undefined) {
      client.send({ op: 'connect', token: tok });
      const first = await Promise.race([client.find((f) => f.op === 'welcome'), client.closed]);
      if (!('op' in first)) return first.code;
    }
    let id = 0;
    for (const topic of topics) {
      const s = since[topic];
      await client.request({ op: 'subscribe', id: ++id, topic, ...(s === undefined ? {} : { since: { offset: s } }) });
    }
    let closed = false;
    void client.closed.then(() => {
      closed = true;
    });
    return {
      received: () => client.messages().map((f) => ({ topic: f.topic as string, offset: f.offset as number, data: f.data })),
      ended: () => closed || client.frames.some((f) => f.op === 'reconnect'),
      close: async () => client.close(),
    };
  },
};

const sse: Driver = {
  name: 'sse',
  async open(server, topics, since, tok) {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/sse?${query(topics, since, tok)}`, { signal: controller.signal });
    if (res.status !== 200 || res.body === null) return res.status;
    const events: { event: string; data: string }[] = [];
    let done = false;
    void (async () => {
      let buffer = '';
      try {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          buffer += Buffer.from(chunk).toString('utf8');
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const fields = buffer.slice(0, end).split('\n');
            buffer = buffer.slice(end + 2);
            const get = (name: string) => fields.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
            if (get('data') !== undefined) events.push({ event: get('event') ?? 'message', data: get('data') ?? '' });
          }
        }
      } catch {
        // aborted
      }
      done = true;
    })();
    const deadline = Date.now() + 5000;
    while (events.filter((e) => e.event === 'ack' || e.event === 'close').length < topics.length && Date.now() < deadline) {
      if (events.some((e) => e.event === 'close')) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const close = events.find((e) => e.event === 'close');
    if (close !== undefined) return (JSON.parse(close.data) as { code: number }).code;
    return {
      received: () =>
        events
          .filter((e) => e.event === 'message')
          .map((e) => JSON.parse(e.data) as Delivery & { op?: string })
          .map(({ topic, offset, data }) => ({ topic, offset, data })),
      ended: () => done || events.some((e) => e.event === 'reconnect'),
      close: async () => controller.abort(),
    };
  },
};

const poll: Driver = {
  name: 'poll',
  async open(server, topics, since = {}, tok) {
    const positions: Record<string, number> = { ...since };
    const first = await fetch(`${server.url}/poll?${query(topics, positions, tok)}&wait=0`);
    if (first.status !== 200) return first.status;
    const got: Delivery[] = [];
    let stopped = false;
    let drained = false;
    const take = async (res: Response) => {
      const body = (await res.json()) as { messages: Delivery[]; positions: Record<string, { offset: number | null }> };
      got.push(...body.messages);
      for (const [t, p] of Object.entries(body.positions)) if (p.offset !== null) positions[t] = p.offset;
    };
    await take(first);
    const loop = (async () => {
      while (!stopped) {
        const t0 = Date.now();
        const res = await fetch(`${server.url}/poll?${query(topics, positions, tok)}&wait=3000`).catch(() => null);
        if (res === null || res.status !== 200) {
          drained = true;
          break;
        }
        await take(res);
        // A waiting poll answered long before its wait by an edge that is not ready: the drain.
        if (!server.node.edge.ready() && Date.now() - t0 < 1000) drained = true;
      }
    })();
    return {
      received: () => got,
      ended: () => drained,
      close: async () => {
        stopped = true;
        await Promise.race([loop, new Promise((r) => setTimeout(r, 3500))]);
      },
    };
  },
};

async function until(probe: () => boolean, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The contract every client transport keeps, one table: WebSocket, SSE and long-polling. */
for (const driver of [websocket, sse, poll]) {
  describe(`transport conformance: ${driver.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await TestServer.start({ DRAIN_TIMEOUT_MS: '2000' });
    });
    after(() => server.close());

    it('subscribe: live messages of the subscribed topics, in order per topic, nothing else', T, async () => {
      const r = await driver.open(server, ['c.a', 'c.b']);
      assert.ok(typeof r === 'object');
      for (let n = 1; n <= 5; n++) await server.publish(n % 2 ? 'c.a' : 'c.b', n);
      await server.publish('c.other', 0);
      await until(() => r.received().length >= 5, '5 messages');
      await new Promise((res) => setTimeout(res, 50));
      // Order is per topic (across topics a catch-up may group them).
      const of = (topic: string) =>
        r
          .received()
          .filter((m) => m.topic === topic)
          .map((m) => m.data);
      assert.deepEqual([of('c.a'), of('c.b'), r.received().length], [[1, 3, 5], [2, 4], 5]);
      await r.close();
    });

    it('recovery: since delivers the missed messages exactly once, in offset order, before live ones', T, async () => {
      for (let n = 1; n <= 4; n++) await server.publish('c.rec', n);
      const r = await driver.open(server, ['c.rec'], { 'c.rec': 1 });
      assert.ok(typeof r === 'object');
      await server.publish('c.rec', 5);
      await until(() => r.received().length >= 4, '4 messages');
      assert.deepEqual(
        r.received().map((m) => [m.offset, m.data]),
        [
          [2, 2],
          [3, 3],
          [4, 4],
          [5, 5],
        ],
      );
      await r.close();
    });

    it('drain: the client is told to go at once', T, async () => {
      const own = await TestServer.start({ DRAIN_TIMEOUT_MS: '2000' });
      try {
        const r = await driver.open(own, ['c.d']);
        assert.ok(typeof r === 'object');
        const draining = own.node.edge.drain();
        await until(() => r.ended(), 'told to go', 1500);
        await r.close();
        await draining;
      } finally {
        await own.close();
      }
    });
  });

  describe(`transport conformance: ${driver.name} with auth`, () => {
    let server: TestServer;
    before(async () => {
      server = await TestServer.start({ AUTH_JWT_SECRET: SECRET, AUTH_TIMEOUT_MS: '500' });
    });
    after(() => server.close());

    it('auth: a bad token is refused (401 or 4001); a good one is served', T, async () => {
      const refused = await driver.open(server, ['s.a'], {}, 'nonsense');
      assert.ok(refused === 401 || refused === 4001, `refused with ${String(refused)}`);
      const r = await driver.open(server, ['s.a'], {}, await token({ subscribe: ['s.a'] }));
      assert.ok(typeof r === 'object');
      await server.publish('s.a', 'ok');
      await until(() => r.received().length === 1, 'the message');
      await r.close();
    });
  });
}
