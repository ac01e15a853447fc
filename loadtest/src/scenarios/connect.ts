import { type BenchContext, sleep } from '../context.js';
import { CpuMeter } from '../proc-stat.js';
import { check, type Metrics, ratiosOf, type ScenarioResult, tidy } from '../result.js';
import type { Target } from '../targets.js';

const ROUNDS = 3;

/**
 * connect: a storm of `connections` new WebSockets (64 opening at once per worker); a connection
 * counts once the server's `welcome` frame arrived. Sides take turns for ROUNDS rounds; the rate
 * is all connections over all the time they took.
 */
export async function runConnect(ctx: BenchContext): Promise<ScenarioResult> {
  const { options, pool } = ctx;
  const bus = ctx.bus('memory');
  const connections = options.connections ?? 5000;
  return ctx.withTargets(bus, 1, async (switchboard, ceiling) => {
    const sides = [ceiling, switchboard].map((target) => ({ target, opened: 0, failed: 0, elapsedMs: 0, serverMs: 0, clientMs: 0 }));
    const notes: string[] = [];
    const progress = ctx.progress(`connect ${connections}`, ROUNDS * 2);
    let step = 0;
    for (let round = 0; round <= ROUNDS; round++) {
      for (const side of sides) {
        const edge = side.target.edges[0] as Target['edges'][number];
        const server = new CpuMeter([edge.pid]);
        const clients = new CpuMeter(pool.pids);
        const result = await pool.connect(side.target.name, edge, round === 0 ? 500 : connections, null, { concurrency: 64 });
        const cpu = server.stop();
        const clientCpu = clients.stop();
        if (round > 0) {
          side.opened += result.opened;
          side.failed += result.failed;
          side.elapsedMs += result.elapsedMs;
          side.serverMs += cpu.totalMs;
          side.clientMs += clientCpu.totalMs;
          progress.update(++step);
        }
        if (result.failed > 0) notes.push(`${side.target.name}: ${result.failed} connections failed (${result.firstError})`);
        await pool.close(side.target.name);
        await sleep(1000);
      }
    }
    progress.stop();
    const [base, subject] = sides.map((s) =>
      tidy({
        connectionsPerSec: (s.opened * 1000) / s.elapsedMs,
        cpuUsPerConnection: s.opened === 0 ? null : (s.serverMs * 1000) / s.opened,
        failed: s.failed,
        clientCpuPct: (100 * s.clientMs) / (s.elapsedMs * options.workers),
      }),
    ) as [Metrics, Metrics];
    const ratios = ratiosOf(subject, base, ['connectionsPerSec', 'cpuUsPerConnection']);
    return {
      scenario: 'connect',
      bus,
      params: { connections, rounds: ROUNDS, concurrencyPerWorker: 64, workers: options.workers },
      subject: { label: switchboard.name, metrics: subject },
      baseline: { label: ceiling.name, metrics: base },
      ratios,
      checks: [check('connect: connections/s vs ceiling', ratios.connectionsPerSec ?? null, '>=', 0.9)],
      deliveriesOk: subject.failed === 0 && base.failed === 0,
      notes,
    };
  });
}
