/**
 * The presence dashboard in headless Chromium: a presence server (in-process, memory bus) fed by
 * two edge reporters; the page must show the same numbers as the API, and follow changes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryBroker, MemoryBus } from '@switchboard/backends';
import { parseEnv } from '@switchboard/config';
import { PresenceReporter } from '@switchboard/edge';
import type { PresenceSource } from '@switchboard/presence-report';
import { createLogger, createMetricsRegistry } from '@switchboard/telemetry';
import { launchChromium } from '@switchboard/testkit';
import type { Browser } from 'playwright-core';
import { presenceEnv } from '../src/config.js';
import { type PresenceServer, startPresenceServer } from '../src/presence-server.js';
import { summaryOf } from './support.js';

const INTERVAL = 150;
const log = createLogger({ service: 'presence', nodeId: 'dash', level: 'silent' });

/** An edge's state as plain data: topic -> subscriber count. */
function fakeEdge(
  nodeId: string,
  topics: Record<string, number>,
  conns: number,
): PresenceSource & { topicsState: Record<string, number>; conns: number } {
  const state = {
    nodeId,
    topicsState: topics,
    conns,
    totals: () => {
      const subs = Object.values(state.topicsState).reduce((a, b) => a + b, 0);
      return { conns: state.conns, subs, deliveries: 0 };
    },
    topics: () =>
      Object.entries(state.topicsState).map(
        ([topic, n]) => [topic, new Set(Array.from({ length: n }, () => ({ session: { user: null } })))] as const,
      ),
    connectionUsers: () => [],
  };
  return state;
}

describe('presence dashboard in headless Chromium', { timeout: 30_000 }, () => {
  let bus: MemoryBus;
  let presence: PresenceServer;
  let browser: Browser;
  const reporters: PresenceReporter[] = [];
  const edge1 = fakeEdge('edge-1', { 'chat.lobby': 40, 'chat.dev': 12, news: 3 }, 50);
  const edge2 = fakeEdge('edge-2', { 'chat.lobby': 25, 'prices.EUR:USD': 30 }, 45);

  before(async () => {
    bus = new MemoryBus(new MemoryBroker());
    const config = parseEnv(presenceEnv, {
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ID: 'presence-dash',
      PRESENCE_INTERVAL_MS: String(INTERVAL),
    });
    presence = await startPresenceServer({
      config,
      bus,
      publisher: null,
      log,
      metrics: createMetricsRegistry({ service: 'presence', node: 'dash' }),
    });
    for (const source of [edge1, edge2]) {
      const reporter = new PresenceReporter({ bus, source, intervalMs: INTERVAL, fullEvery: 0, log });
      reporter.start();
      reporters.push(reporter);
    }
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    for (const r of reporters) await r.stop();
    await presence?.close();
    await bus?.close();
  });

  it('shows the totals, the nodes, the top topics and a live chart, and follows changes', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${presence.url}/`);
    await page.waitForFunction("document.querySelector('#connections')?.textContent === '95'", null, { timeout: 5000 });
    const api = await summaryOf(presence.url);
    const text = async (selector: string) => ((await page.textContent(selector)) ?? '').trim();
    assert.equal(await text('#connections'), String(api.connections));
    assert.equal(await text('#subscriptions'), String(api.subscriptions));
    assert.equal(await text('#subscriptions'), '110');
    assert.equal(await text('#node-count'), '2');
    assert.equal(await text('#topic-count'), '4');
    assert.equal(await text('#nodes tr[data-node="edge-1"] td[data-field="connections"]'), '50');
    assert.equal(await text('#nodes tr[data-node="edge-2"] td[data-field="subscriptions"]'), '55');
    const top = await page.$$eval('#top-topics tbody tr', (rows) =>
      rows.map((r) => [r.getAttribute('data-topic'), r.querySelector('[data-field="subscribers"]')?.textContent]),
    );
    assert.deepEqual(top, [
      ['chat.lobby', '65'],
      ['prices.EUR:USD', '30'],
      ['chat.dev', '12'],
      ['news', '3'],
    ]);

    edge2.conns = 1045;
    edge2.topicsState['chat.lobby'] = 1025;
    await page.waitForFunction("document.querySelector('#connections')?.textContent === '1,095'", null, { timeout: 5000 });
    assert.equal(await text('#top-topics tbody tr:first-child [data-field="subscribers"]'), '1,065');
    await page.waitForFunction("Number(document.querySelector('#chart')?.getAttribute('data-points')) >= 3", null, { timeout: 5000 });
    assert.equal(await page.getAttribute('#status', 'data-state'), 'ok');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
