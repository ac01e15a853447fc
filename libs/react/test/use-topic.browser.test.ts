import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AllInOne, startAllInOne } from '@switchboard/all-in-one';
import { MemoryBroker, MemoryBus, MemoryHistory } from '@switchboard/backends';
import { Publisher } from '@switchboard/history';
import { launchChromium, type StaticPages, servePages } from '@switchboard/testkit';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';

const env = (port: number) => ({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', HEARTBEAT_MS: '1000' });

/** The fixture app and its dependencies (React, this package and the SDK from source) as one script. */
async function bundleApp(): Promise<string> {
  const result = await build({
    entryPoints: [new URL('./fixtures/app.ts', import.meta.url).pathname],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    conditions: ['@switchboard/source'],
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    logLevel: 'warning',
  });
  return result.outputFiles[0]?.text ?? '';
}

async function offsetShown(page: Page, offset: number): Promise<void> {
  await page.waitForSelector(`#message[data-offset="${offset}"]`, { timeout: 15_000 });
}

describe('@switchboard/react in Chromium against the all-in-one server', () => {
  // The bus and the history outlive the server, as Redis or JetStream do in a cluster.
  const bus = new MemoryBus(new MemoryBroker());
  const history = new MemoryHistory({ size: 1000, ttlMs: 60_000 });
  const publisher = new Publisher(bus, history);
  const servers: AllInOne[] = [];
  let browser: Browser;
  let script: string;
  let pages: StaticPages | undefined;
  before(async () => {
    [browser, script] = await Promise.all([launchChromium(), bundleApp()]);
  });
  after(async () => {
    await browser?.close();
    await pages?.close();
    for (const server of servers) await server.close().catch(() => undefined);
    await bus.close();
  });

  it('useTopic renders live messages, publishes with usePublish and recovers across a server-side close', async () => {
    const first = await startAllInOne({ env: env(0), bus, history });
    servers.push(first);
    const topic = 'ticker';
    const publish = (n: number) => publisher.publish(topic, JSON.stringify({ n }));
    for (let n = 1; n <= 3; n++) await publish(n);

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const html = `<!doctype html><div id="root"></div><script>window.SWITCHBOARD_URL = 'ws://127.0.0.1:${first.port}/ws'; window.SWITCHBOARD_TOPIC = '${topic}';</script><script src="/app.js"></script>`;
    pages = await servePages({
      '/': { body: html, contentType: 'text/html' },
      '/app.js': { body: script, contentType: 'text/javascript' },
    });
    await page.goto(`${pages.url}/`);

    // { since: 0 } replays the history first; the view shows the newest message.
    await page.waitForSelector('#state[data-state="connected"]', { timeout: 15_000 });
    await offsetShown(page, 3);
    assert.equal(await page.textContent('#message'), '{"n":3}');
    await publish(4);
    await offsetShown(page, 4);

    await page.click('#publish');
    await offsetShown(page, 5);
    assert.equal(await page.textContent('#result'), 'published at 5');

    // The server goes away (close code 1001); what is published meanwhile is recovered.
    await first.close();
    await page.waitForSelector('#state:not([data-state="connected"])', { timeout: 15_000 });
    await publish(6);
    await publish(7);
    const second = await startAllInOne({ env: env(first.port), bus, history });
    servers.push(second);
    await page.waitForSelector('#state[data-state="connected"]', { timeout: 15_000 });
    await offsetShown(page, 7);
    assert.equal(await page.textContent('#message'), '{"n":7}');
    await publish(8);
    await offsetShown(page, 8);

    const rendered = await page.evaluate(() => (globalThis as unknown as { renderedOffsets: number[] }).renderedOffsets);
    assert.deepEqual(
      rendered,
      [...rendered].sort((a, b) => a - b),
      'offsets are rendered in order, never twice',
    );
    assert.equal(new Set(rendered).size, rendered.length);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
