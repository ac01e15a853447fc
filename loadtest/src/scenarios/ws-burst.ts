import { type BenchContext, sleep } from '../context.js';
import { summarize } from '../latency.js';
import { CpuMeter } from '../proc-stat.js';
import { check, type Metrics, ratiosOf, type ScenarioResult, tidy } from '../result.js';
import { type BusKind, startSwitchboard } from '../targets.js';
import { WsPublisher } from '../ws-publisher.js';

const TOPIC = 'bench.wsburst';

/**
 * ws-burst: a client publishes over WebSocket to edge 1, back to back, `bursts` bursts of
 * `messages`; `subscribers` clients of that topic are split over 2 edges, so every message
 * crosses the broker to edge 2. Run on Redis, then on NATS, in the same run; NATS is reported
 * against Redis. Deliveries per second = deliveries / time from the first publish to the
 * last delivery.
 */
export async function runWsBurst(ctx: BenchContext): Promise<ScenarioResult> {
  const { options, pool } = ctx;
  const subscribers = options.subscribers ?? 2000;
  const messages = options.messages ?? 200;
  const bursts = options.bursts ?? 5;
  const sides: Record<'redis' | 'nats', Metrics> = { redis: {}, nats: {} };
  let refusedTotal = 0;
  let complete = true;
  for (const bus of ['redis', 'nats'] as const satisfies BusKind[]) {
    ctx.log(`ws-burst: ${bus}…`);
    const cluster = await startSwitchboard(bus, 2);
    let publisher: WsPublisher | null = null;
    try {
      const shares = new Array<number>(options.workers).fill(0);
      for (const [i, edge] of cluster.edges.entries()) {
        const count = i === 0 ? Math.floor(subscribers / 2) : subscribers - Math.floor(subscribers / 2);
        const connected = await pool.connect(`edge-${i}`, edge, count, { topics: [TOPIC], perConnection: 1 });
        if (connected.failed > 0) throw new Error(`edge ${i + 1}: ${connected.failed} subscribers failed: ${connected.firstError}`);
        connected.shares.forEach((n, w) => {
          shares[w] = (shares[w] ?? 0) + n;
        });
      }
      const edge1 = cluster.edges[0];
      if (edge1 === undefined) throw new Error('no edge');
      publisher = await WsPublisher.connect(`ws://${edge1.host}:${edge1.port}/ws`, options.payloadBytes);
      await sleep(300);
      // Warm-up burst, not counted.
      await pool.reset();
      await Promise.all([publisher.burst(TOPIC, messages), pool.expect(shares, messages, 60_000)]);
      await pool.reset();
      const edgesCpu = new CpuMeter(cluster.edges.map((e) => e.pid));
      const brokerCpu = new CpuMeter(cluster.brokerPid === null ? [] : [cluster.brokerPid]);
      const started = performance.now();
      const sending = (async () => {
        let refused = 0;
        for (let b = 0; b < bursts; b++) refused += await publisher.burst(TOPIC, messages);
        return refused;
      })();
      const [refused, arrived] = await Promise.all([sending, pool.expect(shares, messages * bursts, 120_000)]);
      const ms = performance.now() - started;
      const edgesMs = edgesCpu.stop().totalMs;
      const brokerMs = brokerCpu.stop().totalMs;
      const stats = await pool.stats();
      const latency = summarize(stats.latency);
      stats.latency.destroy();
      refusedTotal += refused;
      if (!arrived.reached) complete = false;
      sides[bus] = tidy({
        deliveriesPerSec: (stats.deliveries * 1000) / ms,
        p50Ms: latency.p50Ms,
        p99Ms: latency.p99Ms,
        edgeCpuUsPerDelivery: stats.deliveries === 0 ? null : (edgesMs * 1000) / stats.deliveries,
        edgesCpuPct: (100 * edgesMs) / ms,
        brokerCpuPct: cluster.brokerPid === null ? null : (100 * brokerMs) / ms,
        deliveries: stats.deliveries,
        expected: subscribers * messages * bursts,
        refused,
      });
    } finally {
      publisher?.close();
      await pool.close();
      await cluster.stop();
    }
  }
  const ratios = ratiosOf(sides.nats, sides.redis, ['deliveriesPerSec', 'p50Ms', 'p99Ms', 'edgeCpuUsPerDelivery']);
  return {
    scenario: 'ws-burst',
    bus: 'nats',
    params: { subscribers, messages, bursts, edges: 2, workers: options.workers },
    subject: { label: 'nats bus, 2 edges', metrics: sides.nats },
    baseline: { label: 'redis bus, 2 edges', metrics: sides.redis },
    ratios,
    checks: [
      check('ws-burst: nats vs redis deliveries/s (client publishes over WebSocket, 2 edges)', ratios.deliveriesPerSec ?? null, '>=', 0.5),
      check('ws-burst: publishes refused', refusedTotal, '<=', 0),
    ],
    deliveriesOk: complete,
    notes: ['latency: from the burst start (the publishing client) to receipt, through edge 1 → history → broker → edges'],
  };
}
