import { type BenchContext, sleep } from '../context.js';
import { type Histogram, newHistogram, summarize } from '../latency.js';
import { CpuMeter } from '../proc-stat.js';
import { HttpPublisher } from '../publisher.js';
import { check, type Metrics, ratiosOf, type ScenarioResult, tidy } from '../result.js';
import type { Target } from '../targets.js';
import { withTracedTargets } from '../traced-targets.js';

const TOPIC = 'bench.burst';

/** What one side accumulates over its bursts. */
class BurstTally {
  serverUserMs = 0;
  serverSystemMs = 0;
  clientMs = 0;
  windowMs = 0;
  deliveries = 0;
  expected = 0;
  readonly latency: Histogram = newHistogram();

  metrics(workers: number): Metrics {
    const perDelivery = (ms: number) => (this.deliveries === 0 ? null : (ms * 1000) / this.deliveries);
    const lat = summarize(this.latency);
    return tidy({
      cpuUsPerDelivery: perDelivery(this.serverUserMs + this.serverSystemMs),
      userUsPerDelivery: perDelivery(this.serverUserMs),
      systemUsPerDelivery: perDelivery(this.serverSystemMs),
      deliveriesPerSec: this.windowMs === 0 ? null : (this.deliveries * 1000) / this.windowMs,
      p50Ms: lat.p50Ms,
      p99Ms: lat.p99Ms,
      maxMs: lat.maxMs,
      deliveries: this.deliveries,
      expected: this.expected,
      clientCpuPct: this.windowMs === 0 ? null : (100 * this.clientMs) / (this.windowMs * workers),
    });
  }
}

/**
 * burst: `subscribers` clients on one topic; bursts of `messages` messages, each burst one
 * publish-API batch request. The server's CPU is measured from just before the request to the
 * moment the last delivery arrived. Ceiling and Switchboard hold their subscribers side by side
 * and take turns, burst by burst, so both see the same machine load.
 */
export async function runBurst(ctx: BenchContext): Promise<ScenarioResult> {
  const { options, pool } = ctx;
  const bus = ctx.bus('memory');
  const subscribers = options.subscribers ?? 2000;
  const messages = options.messages ?? 200;
  const bursts = options.bursts ?? 5;
  return ctx.withTargets(bus, 1, (switchboard, ceiling) =>
    withTracedTargets(bus, options.tracing, async (traced, receiver) => {
      const sides = [
        {
          target: ceiling,
          tally: new BurstTally(),
          shares: [] as number[],
          publisher: new HttpPublisher(ceiling.publishUrl, options.payloadBytes),
        },
        {
          target: switchboard,
          tally: new BurstTally(),
          shares: [] as number[],
          publisher: new HttpPublisher(switchboard.publishUrl, options.payloadBytes),
        },
        ...traced.map(({ target }) => ({
          target,
          tally: new BurstTally(),
          shares: [] as number[],
          publisher: new HttpPublisher(target.publishUrl, options.payloadBytes),
        })),
      ];
      for (const side of sides) {
        const edge = side.target.edges[0] as Target['edges'][number];
        const connected = await pool.connect(side.target.name, edge, subscribers, { topics: [TOPIC], perConnection: 1 });
        if (connected.failed > 0) throw new Error(`${side.target.name}: ${connected.failed} subscribers failed: ${connected.firstError}`);
        side.shares = connected.shares;
      }
      const progress = ctx.progress(`burst ${subscribers}×${messages}`, (bursts + 1) * sides.length);
      let step = 0;
      for (let round = 0; round <= bursts; round++) {
        const warmUp = round === 0;
        for (const side of sides) {
          await pool.reset();
          const edge = side.target.edges[0] as Target['edges'][number];
          const server = new CpuMeter([edge.pid]);
          const clients = new CpuMeter(pool.pids);
          const started = performance.now();
          const [, arrived] = await Promise.all([
            side.publisher.batch(TOPIC, messages),
            pool.expect(side.shares, messages, 60_000 + subscribers * messages * 0.05),
          ]);
          const windowMs = performance.now() - started;
          const cpu = server.stop();
          const clientCpu = clients.stop();
          const stats = await pool.stats();
          if (!warmUp) {
            const { tally } = side;
            tally.serverUserMs += cpu.userMs;
            tally.serverSystemMs += cpu.systemMs;
            tally.clientMs += clientCpu.totalMs;
            tally.windowMs += windowMs;
            tally.deliveries += stats.deliveries;
            tally.expected += subscribers * messages;
            tally.latency.add(stats.latency);
          }
          stats.latency.destroy();
          if (!arrived.reached) ctx.log(`${side.target.name}: burst ${round} incomplete (${arrived.deliveries} deliveries)`);
          progress.update(++step);
          await sleep(150);
        }
      }
      progress.stop();
      for (const side of sides) side.publisher.close();
      const [base, subject, ...tracedMetrics] = sides.map((s) => s.tally.metrics(options.workers)) as [Metrics, Metrics, ...Metrics[]];
      const tracing = tracedMetrics.map((metrics, i) => {
        const ratio = traced[i]?.ratio ?? 0;
        const vsOff = ratiosOf(metrics, subject, ['cpuUsPerDelivery', 'p50Ms', 'p99Ms']);
        return { ratio, metrics, vsOff };
      });
      const ratios = ratiosOf(subject, base, [
        'cpuUsPerDelivery',
        'userUsPerDelivery',
        'systemUsPerDelivery',
        'deliveriesPerSec',
        'p50Ms',
        'p99Ms',
      ]);
      return {
        scenario: 'burst',
        bus,
        params: { subscribers, messages, bursts, payloadBytes: options.payloadBytes, workers: options.workers },
        subject: { label: switchboard.name, metrics: subject },
        baseline: { label: ceiling.name, metrics: base },
        ratios,
        checks: [
          check('burst: server CPU µs/delivery vs ceiling', ratios.cpuUsPerDelivery ?? null, '<=', 0.5),
          ...tracing
            .filter((t) => t.ratio <= 0.01)
            .map((t) => check(`burst: CPU µs/delivery, tracing ratio ${t.ratio} vs off`, t.vsOff.cpuUsPerDelivery ?? null, '<=', 1.03)),
        ],
        deliveriesOk:
          subject.deliveries === subject.expected &&
          base.deliveries === base.expected &&
          tracing.every((t) => t.metrics.deliveries === t.metrics.expected),
        notes: tracing
          .map(
            (t) =>
              `tracing on, ratio ${t.ratio}: ${t.metrics.cpuUsPerDelivery} µs CPU/delivery (×${t.vsOff.cpuUsPerDelivery} of tracing off), ` +
              `p50 ${t.metrics.p50Ms} ms, p99 ${t.metrics.p99Ms} ms (×${t.vsOff.p99Ms}), ${t.metrics.deliveries}/${t.metrics.expected} delivered`,
          )
          .concat(receiver === null ? [] : [`OTLP receiver got ${receiver.spans.length} spans`]),
        tracing: tracing.map((t) => ({ ratio: t.ratio, metrics: t.metrics, vsTracingOff: t.vsOff })),
      };
    }),
  );
}
