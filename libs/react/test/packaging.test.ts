import assert from 'node:assert/strict';
import { cpSync, lstatSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AllInOne, startAllInOne } from '@switchboard/all-in-one';
import { bundleSize, launchChromium, type StaticPages, servePages } from '@switchboard/testkit';
import type { Browser } from 'playwright-core';
import { assertTypedFixtures, TYPE_FIXTURES, writeTsconfig } from '../../sdk/test/type-check.js';
import { CJS_CONSUMER, iifePage, nodeConsumer, REACT_CONSUMER } from './packaging/consumers.js';
import { PUBLISHED, run, runAsync, scratchProject } from './packaging/scratch.js';

/** Size budget (gzipped, minified ESM): the SDK, and what the React bindings add to it. */
const SDK_BUDGET = 8 * 1024;
const REACT_BUDGET = 2 * 1024;

describe('the npm packages, packed and installed into a scratch project outside the workspace', () => {
  let dir: string;
  let node: AllInOne;
  let browser: Browser | undefined;
  let pages: StaticPages | undefined;
  const wsUrl = () => `ws://127.0.0.1:${node.port}/ws`;

  before(async () => {
    node = await startAllInOne({ env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' } });
    dir = scratchProject(['react', '@types/react']);
  });
  after(async () => {
    await browser?.close();
    await pages?.close();
    await node?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('installs real copies of the tarballs (no workspace links) with only dist/, README and package.json', () => {
    for (const name of PUBLISHED) {
      const path = join(dir, 'node_modules', name);
      assert.equal(lstatSync(path).isSymbolicLink(), false, `${name} is a link`);
      assert.ok(realpathSync(path).startsWith(realpathSync(dir)));
      const files = run('find', ['.', '-type', 'f'], path).split('\n').filter(Boolean).sort();
      assert.ok(
        files.every((file) => file.startsWith('./dist/') || file === './README.md' || file === './package.json'),
        files.join(' '),
      );
      assert.ok(files.includes('./dist/index.d.ts') && files.includes('./dist/index.d.cts') && files.includes('./README.md'));
    }
  });

  for (const kind of ['esm', 'cjs'] as const) {
    it(`works from ${kind === 'esm' ? 'ESM (import)' : 'CommonJS (require)'} in Node against the all-in-one`, async () => {
      const file = join(dir, kind === 'esm' ? 'consumer.mjs' : 'consumer.cjs');
      writeFileSync(file, nodeConsumer(kind));
      // Node 20 has a WebSocket global only behind a flag; 22 and later have it by default.
      const flags = 'WebSocket' in globalThis ? [] : ['--experimental-websocket'];
      const out = await runAsync(process.execPath, [...flags, file, wsUrl(), node.url, `packaging.${kind}`], dir);
      assert.deepEqual(JSON.parse(out.trim().split('\n').at(-1) ?? ''), {
        data: { via: kind },
        hooks: ['function', 'function', 'function'],
      });
    });
  }

  it('type-checks a TypeScript consumer against the shipped .d.ts (typed-topic fixtures compile or fail as intended)', () => {
    cpSync(TYPE_FIXTURES, dir, { recursive: true });
    writeFileSync(join(dir, 'react-consumer.ts'), REACT_CONSUMER);
    writeFileSync(join(dir, 'cjs-consumer.cts'), CJS_CONSUMER);
    const tsconfig = writeTsconfig(
      dir,
      { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], types: [] },
      ['*.ts', '*.cts'],
    );
    assertTypedFixtures(tsconfig, dir);
  });

  it('loads the IIFE build with a <script> tag in Chromium and receives a message from the all-in-one', async () => {
    const global = readFileSync(join(dir, 'node_modules/@switchboard/sdk/dist/switchboard.global.js'), 'utf8');
    pages = await servePages({
      '/': { body: iifePage(wsUrl(), 'packaging.iife'), contentType: 'text/html' },
      '/switchboard.global.js': { body: global, contentType: 'text/javascript' },
    });
    browser = await launchChromium();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${pages.url}/`);
    await page.waitForSelector('body[data-ready="yes"]', { state: 'attached', timeout: 15_000 });
    await node.edge.publisher.publish('packaging.iife', JSON.stringify({ via: 'script tag' }));
    await page.waitForSelector('#out[data-offset]', { state: 'attached', timeout: 15_000 });
    assert.equal(await page.textContent('#out'), '{"via":"script tag"}');
    assert.deepEqual(errors, []);
  });

  it('keeps the size budget: gzipped ESM SDK ≤ 8 KB, React bindings add ≤ 2 KB', async (t) => {
    const sdk = await bundleSize(dir, ['@switchboard/sdk']);
    const both = await bundleSize(dir, ['@switchboard/sdk', '@switchboard/react'], ['react']);
    const react = both.gzipped - sdk.gzipped;
    t.diagnostic(`@switchboard/sdk: ${sdk.minified} B minified, ${sdk.gzipped} B gzipped (budget ${SDK_BUDGET})`);
    t.diagnostic(`@switchboard/react adds ${both.minified - sdk.minified} B minified, ${react} B gzipped (budget ${REACT_BUDGET})`);
    assert.ok(sdk.gzipped <= SDK_BUDGET, `the SDK is ${sdk.gzipped} B gzipped`);
    assert.ok(react <= REACT_BUDGET, `the React bindings add ${react} B gzipped`);
  });
});
