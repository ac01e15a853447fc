import { cpus, loadavg } from 'node:os';
import { BenchContext } from './context.js';
import type { BenchOptions, ScenarioName } from './options.js';
import type { BenchReport, ScenarioResult } from './result.js';
import { runBurst } from './scenarios/burst.js';
import { runConnect } from './scenarios/connect.js';
import { runCrossNode } from './scenarios/cross-node.js';
import { runHotTopic } from './scenarios/hot-topic.js';
import { runIdle } from './scenarios/idle.js';
import { runPusherBurst } from './scenarios/pusher-burst.js';
import { runRate } from './scenarios/rate.js';
import { runWsBurst } from './scenarios/ws-burst.js';
import { WorkerPool } from './worker-pool.js';

const RUNNERS: Record<ScenarioName, (ctx: BenchContext) => Promise<ScenarioResult | ScenarioResult[]>> = {
  burst: runBurst,
  rate: runRate,
  idle: runIdle,
  connect: runConnect,
  'cross-node': runCrossNode,
  'hot-topic': runHotTopic,
  'ws-burst': runWsBurst,
  'pusher-burst': runPusherBurst,
};

/** Runs the scenarios of `options` and returns the report (also used by the smoke test). */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const report: BenchReport = {
    startedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.versions.node, loadAverage: loadavg() },
    results: [],
  };
  const pool = new WorkerPool(options.workers, options.profileDir);
  try {
    const ctx = new BenchContext(options, pool);
    for (const scenario of options.scenarios) {
      for (let i = 0; i < options.repeat; i++) {
        ctx.log(`running ${scenario}${options.repeat > 1 ? ` (${i + 1}/${options.repeat})` : ''}…`);
        report.results.push(...[await RUNNERS[scenario](ctx)].flat());
      }
    }
  } finally {
    pool.stop();
  }
  return report;
}
