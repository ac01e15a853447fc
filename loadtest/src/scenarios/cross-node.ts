import { type BenchContext, sleep } from '../context.js';
import { summarize } from '../latency.js';
import { CpuMeter } from '../proc-stat.js';
import { HttpPublisher } from '../publisher.js';
import { check, type Metrics, ratiosOf, type ScenarioResult, tidy } from '../result.js';
import { startSwitchboard } from '../targets.js';

/**
 * Every subscriber takes all these topics and each batch goes to one of them in turn: a topic's
 * publishes are a chain (store, then bus, in offset order), so one topic would measure how fast
 * one chain goes, not what the edges deliver.
 */
const TOPICS = Array.from({ length: 8 }, (_, i) => `bench.cross.${i}`);
const IN_FLIGHT = 8;
const ROUNDS = 3;

const cpuTally = () => ({ edges: 0, api: 0, broker: 0, clients: 0 });

/**
 * cross-node: the same subscribers and the same published stream, once all on one edge and once
 * split over two edges, both fed by the api process through the broker. Each subscriber takes
 * 8 topics; `bursts` batches of `messages` go to them in turn, 8 requests in flight. Deliveries per second =
 * deliveries / time from the first publish to the last delivery. The two layouts take turns.
 */
export async function runCrossNode(ctx: BenchContext): Promise<ScenarioResult> {
  const { options, pool } = ctx;
  const bus = ctx.bus('nats');
  if (bus === 'memory') throw new Error('cross-node needs a broker: --bus nats or --bus redis');
  const subscribers = options.subscribers ?? 2000;
  const messages = options.messages ?? 200;
  const bursts = options.bursts ?? 10;
  const profile = options.profileDir === null ? {} : { profileDir: options.profileDir };
  const cluster = await startSwitchboard(bus, 2, profile);
  const publisher = new HttpPublisher(cluster.publishUrl, options.payloadBytes);
  const [edge1, edge2] = cluster.edges as [(typeof cluster.edges)[number], (typeof cluster.edges)[number]];
  const layouts = [
    {
      label: `1 edge (${subscribers} subscribers)`,
      split: [subscribers, 0],
      deliveries: 0,
      expected: 0,
      ms: 0,
      p50: 0,
      p99: 0,
      cpu: cpuTally(),
    },
    {
      label: `2 edges (${subscribers / 2} + ${subscribers - Math.floor(subscribers / 2)})`,
      split: [Math.floor(subscribers / 2), subscribers - Math.floor(subscribers / 2)],
      deliveries: 0,
      expected: 0,
      ms: 0,
      p50: 0,
      p99: 0,
      cpu: cpuTally(),
    },
  ];
  const meters = () => ({
    edges: new CpuMeter(cluster.edges.map((e) => e.pid)),
    api: new CpuMeter(cluster.helperPids),
    broker: new CpuMeter(cluster.brokerPid === null ? [] : [cluster.brokerPid]),
    clients: new CpuMeter(pool.pids),
  });
  try {
    const progress = ctx.progress(`cross-node ${subscribers}×${messages}×${bursts}`, ROUNDS * 2);
    let step = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const layout of layouts) {
        const shares = new Array<number>(options.workers).fill(0);
        for (const [i, edge] of [edge1, edge2].entries()) {
          const count = layout.split[i] ?? 0;
          if (count === 0) continue;
          const connected = await pool.connect(`edge-${i}`, edge, count, { topics: TOPICS, perConnection: TOPICS.length });
          if (connected.failed > 0) throw new Error(`edge ${i + 1}: ${connected.failed} subscribers failed: ${connected.firstError}`);
          connected.shares.forEach((n, w) => {
            shares[w] = (shares[w] ?? 0) + n;
          });
        }
        await sleep(300);
        // Warm-up burst, not counted.
        await pool.reset();
        await Promise.all([publisher.batch(TOPICS[0] as string, messages), pool.expect(shares, messages, 60_000)]);
        await pool.reset();
        const meter = meters();
        const started = performance.now();
        const sending = (async () => {
          const inFlight = new Set<Promise<void>>();
          for (let b = 0; b < bursts; b++) {
            const p: Promise<void> = publisher.batch(TOPICS[b % TOPICS.length] as string, messages).finally(() => inFlight.delete(p));
            inFlight.add(p);
            if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
          }
          await Promise.all(inFlight);
        })();
        const [, arrived] = await Promise.all([sending, pool.expect(shares, messages * bursts, 120_000)]);
        layout.ms += performance.now() - started;
        layout.cpu.edges += meter.edges.stop().totalMs;
        layout.cpu.api += meter.api.stop().totalMs;
        layout.cpu.broker += meter.broker.stop().totalMs;
        layout.cpu.clients += meter.clients.stop().totalMs;
        const stats = await pool.stats();
        const latency = summarize(stats.latency);
        stats.latency.destroy();
        layout.deliveries += stats.deliveries;
        layout.expected += subscribers * messages * bursts;
        layout.p50 = Math.max(layout.p50, latency.p50Ms);
        layout.p99 = Math.max(layout.p99, latency.p99Ms);
        if (!arrived.reached) ctx.log(`cross-node ${layout.label}: incomplete (${arrived.deliveries} deliveries)`);
        await pool.close();
        progress.update(++step);
        await sleep(500);
      }
    }
    progress.stop();
  } finally {
    publisher.close();
    await pool.close();
    await cluster.stop();
  }
  const [one, two] = layouts.map((l) =>
    tidy({
      deliveriesPerSec: (l.deliveries * 1000) / l.ms,
      p50Ms: l.p50,
      p99Ms: l.p99,
      deliveries: l.deliveries,
      expected: l.expected,
      // CPU of each part over the measured windows, in % of one core.
      edgesCpuPct: (100 * l.cpu.edges) / l.ms,
      apiCpuPct: (100 * l.cpu.api) / l.ms,
      brokerCpuPct: cluster.brokerPid === null ? null : (100 * l.cpu.broker) / l.ms,
      clientsCpuPct: (100 * l.cpu.clients) / l.ms,
      edgeCpuUsPerDelivery: l.deliveries === 0 ? null : (l.cpu.edges * 1000) / l.deliveries,
    }),
  ) as [Metrics, Metrics];
  const ratios = ratiosOf(two, one, ['deliveriesPerSec', 'p50Ms', 'p99Ms', 'edgesCpuPct', 'edgeCpuUsPerDelivery']);
  return {
    scenario: 'cross-node',
    bus,
    params: { subscribers, messages, bursts, rounds: ROUNDS, batchesInFlight: IN_FLIGHT, workers: options.workers },
    subject: { label: layouts[1]?.label ?? '2 edges', metrics: two },
    baseline: { label: layouts[0]?.label ?? '1 edge', metrics: one },
    ratios,
    checks: [check(`cross-node: 2 edges vs 1 edge deliveries/s (${bus} bus)`, ratios.deliveriesPerSec ?? null, '>=', 0.95)],
    deliveriesOk: two.deliveries === two.expected && one.deliveries === one.expected,
    notes: ['p50/p99: the worst round; latency from the batch request to receipt, through api → broker → edge'],
  };
}
