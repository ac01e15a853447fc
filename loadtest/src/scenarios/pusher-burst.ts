import { type BenchContext, sleep } from '../context.js';
import { CpuMeter } from '../proc-stat.js';
import { HttpPublisher } from '../publisher.js';
import { BENCH_PUSHER_APP, PusherHttpPublisher } from '../pusher-publisher.js';
import { check, type Metrics, ratiosOf, type ScenarioResult, tidy } from '../result.js';
import { startSwitchboard, type Target } from '../targets.js';

const TOPIC = 'bench.burst';
const CHANNEL = 'bench-burst';

interface Side {
  name: string;
  path: string;
  subscribeTo: string;
  publish: (count: number) => Promise<void>;
  close: () => void;
  shares: number[];
  cpuMs: number;
  windowMs: number;
  deliveries: number;
  expected: number;
}

/**
 * pusher-burst: the burst scenario over the Pusher endpoint against the native protocol, on the
 * SAME Switchboard process in the same run: `subscribers` native clients on a topic and as many
 * Pusher clients (`/app/{key}`) on a channel; bursts of `messages` through `/v1/publish/batch`
 * and `/apps/{id}/batch_events`, taking turns burst by burst. The check is the issue's: Pusher
 * CPU per delivery within 1.3× of native. (Latency is not compared: Pusher data is a JSON
 * string, where the workers' timestamp reader does not look.)
 */
export async function runPusherBurst(ctx: BenchContext): Promise<ScenarioResult> {
  const { options, pool } = ctx;
  const bus = ctx.bus('memory');
  const subscribers = options.subscribers ?? 2000;
  const messages = options.messages ?? 200;
  const bursts = options.bursts ?? 5;
  const profile = options.profileDir === null ? {} : { profileDir: options.profileDir };
  const switchboard: Target = await startSwitchboard(bus, 1, profile);
  try {
    const edge = switchboard.edges[0] as Target['edges'][number];
    const native = new HttpPublisher(switchboard.publishUrl, options.payloadBytes);
    const pusher = new PusherHttpPublisher(switchboard.publishUrl, options.payloadBytes);
    const side = (name: string, path: string, subscribeTo: string, publish: Side['publish'], close: () => void): Side => ({
      name,
      path,
      subscribeTo,
      publish,
      close,
      shares: [],
      cpuMs: 0,
      windowMs: 0,
      deliveries: 0,
      expected: 0,
    });
    const sides = [
      side(
        'native /ws',
        '/ws',
        TOPIC,
        (n) => native.batch(TOPIC, n),
        () => native.close(),
      ),
      side(
        'pusher /app/{key}',
        `/app/${BENCH_PUSHER_APP.key}?protocol=7`,
        CHANNEL,
        (n) => pusher.batch(CHANNEL, n),
        () => pusher.close(),
      ),
    ];
    for (const s of sides) {
      const connected = await pool.connect(s.name, { ...edge, path: s.path }, subscribers, { topics: [s.subscribeTo], perConnection: 1 });
      if (connected.failed > 0) throw new Error(`${s.name}: ${connected.failed} subscribers failed: ${connected.firstError}`);
      s.shares = connected.shares;
    }
    const progress = ctx.progress(`pusher-burst ${subscribers}×${messages}`, (bursts + 1) * 2);
    let step = 0;
    for (let round = 0; round <= bursts; round++) {
      for (const s of sides) {
        await pool.reset();
        const server = new CpuMeter([edge.pid]);
        const started = performance.now();
        const [, arrived] = await Promise.all([
          s.publish(messages),
          pool.expect(s.shares, messages, 60_000 + subscribers * messages * 0.05),
        ]);
        const windowMs = performance.now() - started;
        const cpu = server.stop();
        const stats = await pool.stats();
        stats.latency.destroy();
        if (round > 0) {
          s.cpuMs += cpu.userMs + cpu.systemMs;
          s.windowMs += windowMs;
          s.deliveries += stats.deliveries;
          s.expected += subscribers * messages;
        }
        if (!arrived.reached) ctx.log(`${s.name}: burst ${round} incomplete (${arrived.deliveries} deliveries)`);
        progress.update(++step);
        await sleep(150);
      }
    }
    progress.stop();
    for (const s of sides) s.close();
    const metricsOf = (s: Side): Metrics =>
      tidy({
        cpuUsPerDelivery: s.deliveries === 0 ? null : (s.cpuMs * 1000) / s.deliveries,
        deliveriesPerSec: s.windowMs === 0 ? null : (s.deliveries * 1000) / s.windowMs,
        deliveries: s.deliveries,
        expected: s.expected,
      });
    const [base, subject] = sides.map(metricsOf) as [Metrics, Metrics];
    const ratios = ratiosOf(subject, base, ['cpuUsPerDelivery', 'deliveriesPerSec']);
    return {
      scenario: 'pusher-burst',
      bus,
      params: { subscribers, messages, bursts, payloadBytes: options.payloadBytes, workers: options.workers },
      subject: { label: `${switchboard.name}, pusher /app/{key}`, metrics: subject },
      baseline: { label: `${switchboard.name}, native /ws`, metrics: base },
      ratios,
      checks: [check('pusher-burst: server CPU µs/delivery, Pusher vs native', ratios.cpuUsPerDelivery ?? null, '<=', 1.3)],
      deliveriesOk: subject.deliveries === subject.expected && base.deliveries === base.expected,
      notes: ['native and Pusher subscribers are held side by side by the same process and take turns, burst by burst'],
    };
  } finally {
    await pool.close();
    await switchboard.stop();
  }
}
