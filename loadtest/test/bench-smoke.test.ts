import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BenchReport } from '../src/result.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SUBSCRIBERS = 20;
const MESSAGES = 20;
const BURSTS = 2;

/** No timing assertions: this checks that the runner runs end to end and counts right. */
describe('npm run bench (smoke)', () => {
  it('runs a tiny burst against Switchboard and the ceiling and writes the JSON report', { timeout: 60_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-bench-'));
    try {
      const json = join(dir, 'out.json');
      const args = ['--scenario', 'burst', '--subscribers', String(SUBSCRIBERS), '--messages', String(MESSAGES)];
      args.push('--bursts', String(BURSTS), '--workers', '1', '--no-progress', '--json', json);
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'loadtest/src/main.ts', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 50_000,
      });
      assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, /### burst/);
      assert.match(run.stdout, /\| \*\*ratio\*\* \|/);

      const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
      assert.equal(typeof report.startedAt, 'string');
      assert.equal(typeof report.machine.cpus, 'number');
      assert.equal(report.results.length, 1);
      const [result] = report.results;
      assert.ok(result !== undefined);
      assert.equal(result.scenario, 'burst');
      assert.equal(result.bus, 'memory');
      assert.deepEqual(result.params, { subscribers: SUBSCRIBERS, messages: MESSAGES, bursts: BURSTS, payloadBytes: 64, workers: 1 });
      const expected = SUBSCRIBERS * MESSAGES * BURSTS;
      for (const side of [result.subject, result.baseline]) {
        assert.equal(typeof side.label, 'string');
        assert.equal(side.metrics.deliveries, expected, `${side.label} deliveries`);
        assert.equal(side.metrics.expected, expected);
        for (const key of ['cpuUsPerDelivery', 'deliveriesPerSec', 'p50Ms', 'p99Ms', 'maxMs']) {
          assert.equal(typeof side.metrics[key], 'number', `${side.label} ${key}`);
        }
      }
      assert.match(result.subject.label, /switchboard/);
      assert.match(result.baseline.label, /ceiling/);
      assert.equal(result.deliveriesOk, true);
      for (const value of Object.values(result.ratios)) assert.ok(value === null || typeof value === 'number');
      assert.equal(result.checks.length, 1);
      assert.equal(result.checks[0]?.op, '<=');
      assert.equal(typeof result.checks[0]?.met, 'boolean');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
