import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { launchChromium } from '@switchboard/testkit';
import type { Browser } from 'playwright-core';
import { TestServer } from '../test-server.js';
import { APP, authEndpoint, PUSHER_APPS, pusherServer, until } from './pusher-kit.js';

const PUSHER_JS = createRequire(import.meta.url).resolve('pusher-js/dist/web/pusher.min.js');

let server: TestServer;
let browser: Browser;
let auth: Awaited<ReturnType<typeof authEndpoint>>;

before(async () => {
  server = await TestServer.start({ PUSHER_APPS });
  auth = await authEndpoint(pusherServer(server.url));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  auth?.server.close();
  await server?.close();
});

test('pusher-js in Chromium: public and private channels (auth endpoint on the page origin)', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(new URL(auth.url).origin);
  await page.addScriptTag({ path: PUSHER_JS });
  await page.evaluate(
    ({ key, port }) => {
      const w = globalThis as unknown as Record<string, unknown> & { Pusher: new (k: string, o: object) => unknown };
      const got: unknown[] = [];
      w.got = got;
      const client = new w.Pusher(key, {
        cluster: 'local',
        wsHost: '127.0.0.1',
        wsPort: port,
        forceTLS: false,
        enabledTransports: ['ws'],
        disableStats: true,
        channelAuthorization: { endpoint: '/pusher/auth', transport: 'ajax' },
      }) as { subscribe(name: string): { bind(e: string, f: (d: unknown) => void): void } };
      w.subscribed = 0;
      for (const name of ['news', 'private-inbox']) {
        const channel = client.subscribe(name);
        channel.bind('pusher:subscription_succeeded', () => {
          (w.subscribed as number)++;
        });
        channel.bind('update', (data) => got.push({ name, data }));
      }
    },
    { key: APP.key, port: server.node.port },
  );
  await page.waitForFunction(() => (globalThis as unknown as { subscribed: number }).subscribed === 2, undefined, { timeout: 10_000 });
  const lib = pusherServer(server.url);
  await lib.trigger('news', 'update', { a: 1 });
  await lib.trigger('private-inbox', 'update', { b: 2 });
  await page.waitForFunction(() => (globalThis as unknown as { got: unknown[] }).got.length === 2, undefined, { timeout: 10_000 });
  const got = await page.evaluate(() => (globalThis as unknown as { got: unknown[] }).got);
  assert.deepEqual(got, [
    { name: 'news', data: { a: 1 } },
    { name: 'private-inbox', data: { b: 2 } },
  ]);
  await until(() => server.node.edge.sessions.size === 1, 'one browser session');
  assert.deepEqual(errors, []);
  await page.close();
});
