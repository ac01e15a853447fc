import { type BenchContext, sleep } from '../context.js';
import { rssOf } from '../proc-stat.js';
import { check, type Metrics, ratiosOf, type ScenarioResult, tidy } from '../result.js';
import { collectGarbage, type Target } from '../targets.js';

const TOPICS = Array.from({ length: 100 }, (_, i) => `idle.room-${i}`);
const SETTLE_MS = 3000;
const WARM_UP = 1000;
const MB = 1024 * 1024;

/**
 * idle: `connections` clients, each subscribed to 2 of 100 topics (full session state), then
 * nothing. Memory per connection = the server process's RSS growth / connections, each RSS
 * read after a full GC in the server (SIGUSR2, gc-preload.mjs) once the connections settled,
 * the baseline after a warm-up of 1,000 connections (opened, subscribed, closed) so that
 * compiled code and pools are not charged to the connections. One side after the other.
 */
export async function runIdle(ctx: BenchContext): Promise<ScenarioResult> {
  const { options, pool } = ctx;
  const bus = ctx.bus('memory');
  const connections = options.connections ?? 10_000;
  return ctx.withTargets(bus, 1, async (switchboard, ceiling) => {
    const results: Metrics[] = [];
    const notes: string[] = [];
    let ok = true;
    for (const target of [ceiling, switchboard]) {
      const edge = target.edges[0] as Target['edges'][number];
      // Warm-up: the connection path is compiled and the pools are filled before the baseline.
      await pool.connect(`${target.name} warm-up`, edge, WARM_UP, { topics: TOPICS, perConnection: 2 }, { concurrency: 32 });
      await pool.close(`${target.name} warm-up`);
      await sleep(1000);
      await collectGarbage(edge.pid);
      const before = rssOf(edge.pid);
      const progress = ctx.progress(`idle ${connections} ${target.name.split(' ')[0]}`, 1);
      const connected = await pool.connect(target.name, edge, connections, { topics: TOPICS, perConnection: 2 }, { concurrency: 32 });
      progress.stop();
      ok &&= connected.failed === 0;
      if (connected.failed > 0) notes.push(`${target.name}: ${connected.failed} connections failed (${connected.firstError})`);
      await sleep(SETTLE_MS);
      await collectGarbage(edge.pid);
      const after = rssOf(edge.pid);
      const stats = await pool.stats();
      stats.latency.destroy();
      results.push(
        tidy({
          kbPerConnection: connected.opened === 0 ? null : (after - before) / 1024 / connected.opened,
          connections: connected.opened,
          stillOpen: stats.open,
          rssBeforeMb: before / MB,
          rssAfterMb: after / MB,
        }),
      );
      await pool.close(target.name);
      await sleep(500);
    }
    const [base, subject] = results as [Metrics, Metrics];
    const ratios = ratiosOf(subject, base, ['kbPerConnection']);
    notes.push('each connection holds 2 subscriptions (of 100 topics); RSS read after a full GC in the server process, on both sides');
    return {
      scenario: 'idle',
      bus,
      params: { connections, subscriptionsPerConnection: 2, workers: options.workers },
      subject: { label: switchboard.name, metrics: subject },
      baseline: { label: ceiling.name, metrics: base },
      ratios,
      checks: [check('idle: KB per connection', subject.kbPerConnection ?? null, '<=', 8)],
      deliveriesOk: ok,
      notes,
    };
  });
}
