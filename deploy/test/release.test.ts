/**
 * The image's steps without Docker: a fresh clone of HEAD → deploy/build-release.sh → the
 * source deleted → each process started from the release alone (NODE_ENV=production, no tsx,
 * no devDependencies) → /readyz 200 → SIGTERM → drain → exit 0. Then docker-compose.yml's
 * topology, from its own environment blocks, delivers a message published through HAProxy.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, requestJson, spawnTracked, stopProcess, WsTestClient } from '@switchboard/testkit';
import { startComposeTopology } from './compose-topology.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DRAIN = { DRAIN_NOTICE_MS: '300', DRAIN_TIMEOUT_MS: '3000' };

function filesUnder(dir: string, found: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) filesUnder(path, found);
    else found.push(path);
  }
  return found;
}

async function readyz(url: string, deadlineMs: number): Promise<number> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const status = await fetch(`${url}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200 || Date.now() > deadline) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('release (deploy/build-release.sh) from a fresh clone, source deleted', () => {
  const work = mkdtempSync(join(tmpdir(), 'sb-release-'));
  const release = join(work, 'release');
  const bin = join(release, 'bin/switchboard');

  before(() => {
    const source = join(work, 'source');
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', ROOT, source], { stdio: 'pipe' });
    execFileSync(join(source, 'deploy/build-release.sh'), [release], { cwd: source, stdio: 'pipe', timeout: 600_000 });
    rmSync(source, { recursive: true, force: true });
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('holds compiled JS, production node_modules only and the static files, and one executable bin/switchboard', () => {
    assert.ok(statSync(bin).mode & 0o111, 'bin/switchboard is executable');
    const files = filesUnder(release).map((f) => relative(release, f));
    const ours = files.filter((f) => !f.startsWith('node_modules/'));
    assert.deepEqual(
      ours.filter((f) => f.endsWith('.ts') || /(^|\/)test\//.test(f)),
      [],
      'no TypeScript sources or tests of ours',
    );
    for (const devOnly of ['tsx', 'typescript', 'esbuild', '@biomejs', 'playwright-core', '@switchboard/testkit'])
      assert.ok(!existsSync(join(release, 'node_modules', devOnly)), `no ${devOnly}`);
    for (const page of ['services/all-in-one/public/index.html', 'services/presence/public/index.html'])
      assert.ok(ours.includes(page), page);
    const sdk = JSON.parse(readFileSync(join(release, 'node_modules/@switchboard/sdk/package.json'), 'utf8'));
    assert.ok(existsSync(join(release, 'node_modules/@switchboard/sdk', sdk.exports['./bundle'])), 'the SDK bundle');
  });

  for (const service of ['edge', 'api', 'presence', 'all-in-one']) {
    it(`starts ${service}: /readyz 200, then SIGTERM drains and exits 0 within the drain timeout`, async () => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const env = { PATH: process.env.PATH, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', ...DRAIN };
      const proc = spawnTracked(bin, [service], { env, cwd: work });
      try {
        assert.equal(await readyz(url, 60_000), 200, proc.output());
        const client = service === 'edge' || service === 'all-in-one' ? await WsTestClient.connect(`ws://127.0.0.1:${port}/ws`) : null;
        const stopped = Date.now();
        const code = await stopProcess(proc, 'SIGTERM', 30_000);
        const ms = Date.now() - stopped;
        assert.equal(code, 0, proc.output());
        // The drain (notice + timeout) plus leaving the bus; generous for a loaded machine.
        assert.ok(ms < Number(DRAIN.DRAIN_NOTICE_MS) + Number(DRAIN.DRAIN_TIMEOUT_MS) + 5000, `exited ${ms} ms after SIGTERM`);
        if (client !== null) {
          assert.ok(
            client.frames.some((f) => f.op === 'reconnect'),
            'the drain asked the client to reconnect',
          );
          assert.equal((await client.closed).code, 1001);
        }
        assert.doesNotMatch(proc.output(), /tsx|Cannot find (package|module)/);
      } finally {
        proc.kill('SIGKILL');
      }
    });
  }

  it("starts docker-compose.yml's topology from its own environment and delivers through HAProxy", async () => {
    const topology = await startComposeTopology(join(ROOT, 'docker-compose.yml'), join(ROOT, 'deploy/haproxy.cfg'), bin);
    try {
      for (const edge of ['edge-1', 'edge-2', 'edge-3', 'api', 'presence']) assert.ok(topology.processes.has(edge), edge);
      // HAProxy admits each backend once its /readyz checks pass (rise 2): wait for api and presence.
      for (const path of ['/v1/topics/compose.demo/history', '/v1/presence']) {
        let status = 0;
        for (const deadline = Date.now() + 30_000; status !== 200 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 250)))
          status = (await requestJson(`${topology.url}${path}`)).status;
        assert.equal(status, 200, `HAProxy routes ${path}`);
      }
      let client: WsTestClient | undefined;
      for (const deadline = Date.now() + 30_000; client === undefined; await new Promise((r) => setTimeout(r, 250))) {
        client = await WsTestClient.connect(topology.wsUrl).catch((err: Error) => {
          if (Date.now() > deadline) throw err;
          return undefined;
        });
      }
      const ack = await client.request({ op: 'subscribe', id: 1, topic: 'compose.demo' });
      assert.equal(ack.op, 'ack');
      const published = await requestJson(`${topology.url}/v1/publish`, { body: { topic: 'compose.demo', data: { via: 'haproxy' } } });
      assert.equal(published.status, 200, JSON.stringify(published.body));
      const message = await client.next((f) => f.op === 'message', 10_000);
      assert.deepEqual(message.data, { via: 'haproxy' });
      assert.equal(message.offset, (published.body as { offset: number }).offset);
      client.close();
      // The presence service hears every edge's reports over the compose file's NATS.
      const nodes = async () => ((await requestJson(`${topology.url}/v1/presence`)).body as { nodes?: Array<{ id: string }> }).nodes ?? [];
      let ids: string[] = [];
      for (const deadline = Date.now() + 20_000; ids.length < 3 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 250)))
        ids = (await nodes()).map((n) => n.id).sort();
      assert.deepEqual(ids, ['edge-1', 'edge-2', 'edge-3']);
    } finally {
      await topology.stop();
    }
    for (const [name, proc] of topology.processes) assert.equal(proc.exitCode, 0, `${name}: ${proc.output()}`);
  });
});
