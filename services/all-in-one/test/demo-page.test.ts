import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchChromium, requestJson } from '@switchboard/testkit';
import type { Browser } from 'playwright-core';
import { type AllInOne, startAllInOne } from '../src/start.js';

describe('demo page in headless Chromium (the SDK bundle in a real browser)', () => {
  let node: AllInOne;
  let browser: Browser;
  before(async () => {
    node = await startAllInOne({ env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await node?.close();
  });

  it('connects, shows messages published over HTTP, and publishes from the page', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${node.url}/`);
    await page.waitForSelector('#status[data-state="connected"]', { timeout: 10_000 });
    assert.match((await page.textContent('#node')) ?? '', new RegExp(node.edge.nodeId));
    // The page watches "demo" as soon as it loads; wait until the edge holds that subscription.
    const deadline = Date.now() + 5000;
    while (node.edge.registry.subscribersOf('demo').size === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

    const res = await requestJson(`${node.url}/v1/publish`, { body: { topic: 'demo', data: { x: 1 } } });
    assert.equal(res.status, 200);
    const offset = (res.body as { offset: number }).offset;
    await page.waitForSelector(`#messages li[data-offset="${offset}"]`, { timeout: 5000 });
    assert.match((await page.textContent(`#messages li[data-offset="${offset}"]`)) ?? '', /\{"x":1\}/);

    await page.fill('#data', '{"from":"browser"}');
    await page.click('#publish');
    await page.waitForSelector(`#messages li[data-offset="${offset + 1}"]`, { timeout: 5000 });
    assert.match((await page.textContent('#result')) ?? '', new RegExp(`published at offset ${offset + 1}`));
    const history = await requestJson(`${node.url}/v1/topics/demo/history?since=${offset}`);
    assert.deepEqual((history.body as { messages: unknown[] }).messages, [{ offset: offset + 1, data: { from: 'browser' } }]);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
