import { type BenchContext, sleep } from '../context.js';
import { summarize } from '../latency.js';
import { CpuMeter } from '../proc-stat.js';
import { HttpPublisher } from '../publisher.js';
import { check, type Metrics, ratiosOf, type ScenarioResult, tidy } from '../result.js';
import type { Target } from '../targets.js';

const TOPIC = 'bench.rate';
const WARM_UP_MS = 2000;
const MAX_IN_FLIGHT = 64;

interface Paced {
  sent: number;
  failed: number;
  /** Messages not sent because MAX_IN_FLIGHT requests were outstanding (the server fell behind). */
  skipped: number;
}

/** Publishes `rate` messages per second for `durationMs`, one request each, on a 1 ms clock. */
async function pace(publisher: HttpPublisher, rate: number, durationMs: number, onSecond: (s: number) => void): Promise<Paced> {
  const result: Paced = { sent: 0, failed: 0, skipped: 0 };
  let inFlight = 0;
  let due = 0;
  const started = performance.now();
  let second = 0;
  for (;;) {
    const elapsed = performance.now() - started;
    if (elapsed >= durationMs) break;
    const target = Math.floor((elapsed * rate) / 1000);
    while (due < target) {
      due++;
      if (inFlight >= MAX_IN_FLIGHT) {
        result.skipped++;
        continue;
      }
      inFlight++;
      result.sent++;
      publisher.one(TOPIC).then(
        () => inFlight--,
        () => {
          inFlight--;
          result.failed++;
        },
      );
    }
    if (Math.floor(elapsed / 1000) !== second) {
      second = Math.floor(elapsed / 1000);
      onSecond(second);
    }
    await sleep(1);
  }
  while (inFlight > 0 && performance.now() - started < durationMs + 10_000) await sleep(5);
  return result;
}

/**
 * rate: `subscribers` clients on one topic, `rate` messages per second published one by one
 * (subscribers × rate deliveries per second; 100k/s by default) through the publish API, and
 * with --bus nats|redis through the api process, the broker and the edge. Latency is measured
 * at the clients over `duration` seconds after a 2 s warm-up. One side after the other.
 */
export async function runRate(ctx: BenchContext): Promise<ScenarioResult> {
  const { options, pool } = ctx;
  const bus = ctx.bus('memory');
  const subscribers = options.subscribers ?? 1000;
  const rate = options.rate ?? 100;
  const durationMs = (options.durationS ?? 10) * 1000;
  return ctx.withTargets(bus, 1, async (switchboard, ceiling) => {
    const results: Metrics[] = [];
    const notes: string[] = [];
    let ok = true;
    for (const target of [ceiling, switchboard]) {
      const edge = target.edges[0] as Target['edges'][number];
      const connected = await pool.connect(target.name, edge, subscribers, { topics: [TOPIC], perConnection: 1 });
      if (connected.failed > 0) throw new Error(`${target.name}: ${connected.failed} subscribers failed: ${connected.firstError}`);
      const publisher = new HttpPublisher(target.publishUrl, options.payloadBytes);
      const progress = ctx.progress(`rate ${subscribers}×${rate}/s ${target.name.split(' ')[0]}`, (WARM_UP_MS + durationMs) / 1000);
      await pace(publisher, rate, WARM_UP_MS, (s) => progress.update(s));
      await sleep(200);
      await pool.reset();
      const server = new CpuMeter([edge.pid]);
      const helpers = new CpuMeter(target.helperPids);
      const clients = new CpuMeter(pool.pids);
      const started = performance.now();
      const paced = await pace(publisher, rate, durationMs, (s) => progress.update(WARM_UP_MS / 1000 + s));
      const arrived = await pool.expect(connected.shares, paced.sent, 10_000);
      const windowMs = performance.now() - started;
      const cpu = server.stop();
      const helperCpu = helpers.stop();
      const clientCpu = clients.stop();
      progress.stop();
      const stats = await pool.stats();
      const latency = summarize(stats.latency);
      stats.latency.destroy();
      const expected = paced.sent * subscribers;
      ok &&= stats.deliveries === expected && paced.failed === 0;
      if (paced.skipped > 0)
        notes.push(`${target.name}: ${paced.skipped} messages not sent (64 requests outstanding: the server fell behind)`);
      if (!arrived.reached) notes.push(`${target.name}: ${expected - stats.deliveries} deliveries missing 10 s after the end`);
      results.push(
        tidy({
          deliveriesPerSec: (stats.deliveries * 1000) / windowMs,
          p50Ms: latency.p50Ms,
          p99Ms: latency.p99Ms,
          maxMs: latency.maxMs,
          serverCpuPct: (100 * cpu.totalMs) / windowMs,
          cpuUsPerDelivery: stats.deliveries === 0 ? null : (cpu.totalMs * 1000) / stats.deliveries,
          helperCpuPct: target.helperPids.length === 0 ? null : (100 * helperCpu.totalMs) / windowMs,
          clientCpuPct: (100 * clientCpu.totalMs) / (windowMs * options.workers),
          published: paced.sent,
          deliveries: stats.deliveries,
          expected,
        }),
      );
      publisher.close();
      await pool.close(target.name);
      await sleep(500);
    }
    const [base, subject] = results as [Metrics, Metrics];
    const ratios = ratiosOf(subject, base, ['deliveriesPerSec', 'p50Ms', 'p99Ms', 'maxMs', 'serverCpuPct', 'cpuUsPerDelivery']);
    if (bus !== 'memory') notes.push('helperCpuPct: the api process (publishes to the broker); the broker itself is not counted');
    return {
      scenario: 'rate',
      bus,
      params: { subscribers, rate, durationS: durationMs / 1000, payloadBytes: options.payloadBytes, workers: options.workers },
      subject: { label: switchboard.name, metrics: subject },
      baseline: { label: ceiling.name, metrics: base },
      ratios,
      checks: [check(`rate: p99 latency vs ceiling (${bus} bus)`, ratios.p99Ms ?? null, '<=', 1.0)],
      deliveriesOk: ok,
      notes,
    };
  });
}
