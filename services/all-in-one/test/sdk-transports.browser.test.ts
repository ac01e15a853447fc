import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { launchChromium, type StaticPages, servePages } from '@switchboard/testkit';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { type AllInOne, startAllInOne } from '../src/start.js';

/**
 * A proxy in front of the edge that forwards HTTP and, while `refuse` is set, answers every
 * WebSocket upgrade with 403 (a network that blocks WebSocket).
 */
async function refusingProxy(target: number) {
  const state = { refuse: true };
  const server: Server = createServer((req, res) => {
    const upstream = request({ host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('upgrade', (req, socket, head) => {
    if (state.refuse) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const up = connect(target, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      up.write(head);
      up.pipe(socket).pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    state,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The page: the SDK from source with the transports named in `#…`, subscribed to `?topic`, recording what it receives and over what. */
async function pageScript(url: string): Promise<string> {
  const result = await build({
    stdin: {
      contents: `
        import { createClient } from '@switchboard/sdk';
        const transports = location.hash.slice(1).split(',');
        const topic = new URLSearchParams(location.search).get('topic');
        const client = createClient({ url: ${JSON.stringify(url)}, transports, transportProbeMs: 500, backoffBaseMs: 100, backoffMaxMs: 500 });
        window.received = [];
        window.transports = [];
        client.on('connected', () => window.transports.push(client.transport));
        // Bytes (a Uint8Array) are recorded as { bytes: [...] }, to be compared from the test.
        client.subscribe(topic, (m) => window.received.push(m.data instanceof Uint8Array ? { bytes: Array.from(m.data) } : m.data), { since: 0 });
        client.connect();
        window.client = client;`,
      resolveDir: new URL('.', import.meta.url).pathname,
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    conditions: ['@switchboard/source'],
    write: false,
    logLevel: 'warning',
  });
  return result.outputFiles[0]?.text ?? '';
}

const received = (page: Page) => page.evaluate(() => (globalThis as unknown as { received: unknown[] }).received);
const transports = (page: Page) => page.evaluate(() => (globalThis as unknown as { transports: string[] }).transports);

async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('SDK transports in Chromium: WebSocket refused → SSE or long-polling → back to WebSocket', { timeout: 90_000 }, () => {
  let server: AllInOne;
  let proxy: Awaited<ReturnType<typeof refusingProxy>>;
  let browser: Browser;
  let pages: StaticPages;
  before(async () => {
    server = await startAllInOne({ env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', HISTORY_SIZE: '1000', NODE_ID: 'edge-b' } });
    proxy = await refusingProxy(server.port);
    const script = await pageScript(`ws://127.0.0.1:${proxy.port}/ws`);
    browser = await launchChromium();
    pages = await servePages({
      '/': { body: '<!doctype html><script src="/app.js"></script>', contentType: 'text/html' },
      '/app.js': { body: script, contentType: 'text/javascript' },
    });
  });
  after(async () => {
    await browser?.close();
    await pages?.close();
    await proxy?.close();
    await server?.close();
  });

  it('gets bytes as a Uint8Array over WebSocket (binary frame), SSE and long-polling (base64), JSON as JSON', async () => {
    const bytes = [0, 1, 2, 0x7b, 0xfe, 0xff];
    for (const transport of ['websocket', 'sse', 'poll']) {
      const topic = `bytes.${transport}`;
      proxy.state.refuse = transport !== 'websocket';
      await server.edge.publisher.publish(topic, Uint8Array.from(bytes));
      await server.edge.publisher.publish(topic, '7');
      const page = await browser.newPage();
      await page.goto(`${pages.url}/?topic=${topic}#${transport}`);
      await until(async () => (await received(page)).length >= 2, `2 messages over ${transport}`);
      assert.deepEqual(await received(page), [{ bytes }, 7], transport);
      assert.deepEqual(await transports(page), [transport]);
      await page.close();
    }
  });

  for (const fallback of ['sse', 'poll']) {
    it(`receives every message exactly once, in order, over ${fallback}, then over WebSocket again`, async () => {
      const topic = `feed.${fallback}`;
      proxy.state.refuse = true;
      const publish = (n: number) => server.edge.publisher.publish(topic, JSON.stringify(n));
      for (let n = 1; n <= 5; n++) await publish(n);
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(`${pages.url}/?topic=${topic}#websocket,${fallback}`);
      await until(async () => (await transports(page)).includes(fallback), `connected over ${fallback}`);
      for (let n = 6; n <= 40; n++) {
        await publish(n);
        if (n % 5 === 0) await new Promise((r) => setTimeout(r, 30));
      }
      await until(async () => (await received(page)).length >= 40, `40 messages over ${fallback}`);
      assert.deepEqual(
        await received(page),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      assert.deepEqual(await transports(page), [fallback]);

      // WebSocket works again: the probe finds it and the client moves back, recovering from history.
      proxy.state.refuse = false;
      let n = 41;
      const deadline = Date.now() + 20_000;
      while (!(await transports(page)).includes('websocket') && Date.now() < deadline) {
        await publish(n++);
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const end = n + 10; n < end; n++) await publish(n);
      const total = n - 1;
      await until(async () => (await received(page)).length >= total, `${total} messages`);
      assert.deepEqual(
        await received(page),
        Array.from({ length: total }, (_, i) => i + 1),
      );
      assert.deepEqual(await transports(page), [fallback, 'websocket']);
      assert.deepEqual(errors, []);
      await page.close();
    });
  }
});
