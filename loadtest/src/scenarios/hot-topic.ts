import { Agent } from 'node:http';
import type { BenchContext } from '../context.js';
import { CpuMeter } from '../proc-stat.js';
import { HttpPublisher } from '../publisher.js';
import { check, type Metrics, ratiosOf, type ScenarioResult, tidy } from '../result.js';
import { type BusKind, startSwitchboard, type Target } from '../targets.js';

const TOPIC = 'bench.hot';
const BATCH_SIZE = 100;
const BATCHES_IN_FLIGHT = 4;

interface Measured {
  /** Acknowledged single publishes per second, all on one topic. */
  publishesPerSec: number;
  /** Requests answered with anything but 200 (or failed). */
  refused: number;
  /** Messages per second through `POST /v1/publish/batch` (one topic). */
  batchMessagesPerSec: number;
  batchRefused: number;
  /** CPU of every process of the target (edges, api, broker) per acknowledged single publish, in µs. */
  systemCpuUsPerPublish: number;
  /** CPU of the process that answers `POST /v1/publish` (the api, or the all-in-one) per publish, in µs. */
  apiCpuUsPerPublish: number;
  /** nats-server's or redis-server's CPU per publish, in µs (null: no broker, or one not started by the bench). */
  brokerCpuUsPerPublish: number | null;
  /** The load generator's (this process's) CPU per publish, in µs: it shares the cores with the target. */
  loadCpuUsPerPublish: number;
}

/** Runs `workers` loops of `step` for `ms`; counts successes and failures. */
async function loop(workers: number, ms: number, step: () => Promise<void>): Promise<{ ok: number; failed: number; ms: number }> {
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < deadline) {
        try {
          await step();
          ok++;
        } catch {
          failed++;
        }
      }
    }),
  );
  return { ok, failed, ms: performance.now() - started };
}

interface Running {
  bus: BusKind;
  target: Target;
  publisher: HttpPublisher;
  single: { ok: number; failed: number; ms: number };
  batch: { ok: number; failed: number; ms: number };
  /** CPU ms during the single-publish windows: all the target's processes, the publishing one, the broker, the load generator. */
  cpu: { systemMs: number; apiMs: number; brokerMs: number; loadMs: number };
}

const add = (into: { ok: number; failed: number; ms: number }, part: { ok: number; failed: number; ms: number }) => {
  into.ok += part.ok;
  into.failed += part.failed;
  into.ms += part.ms;
};

function measured(r: Running): Measured {
  const perPublish = (ms: number) => (ms * 1000) / Math.max(1, r.single.ok);
  return {
    publishesPerSec: (r.single.ok * 1000) / r.single.ms,
    refused: r.single.failed,
    batchMessagesPerSec: (r.batch.ok * BATCH_SIZE * 1000) / r.batch.ms,
    batchRefused: r.batch.failed,
    systemCpuUsPerPublish: perPublish(r.cpu.systemMs),
    apiCpuUsPerPublish: perPublish(r.cpu.apiMs),
    brokerCpuUsPerPublish: r.target.brokerPid === null ? null : perPublish(r.cpu.brokerMs),
    loadCpuUsPerPublish: perPublish(r.cpu.loadMs),
  };
}

/** The target's processes: all of them, the one that answers publishes, and the broker (when started here). */
function pidsOf(target: Target): { all: number[]; api: number[]; broker: number[] } {
  const api = target.helperPids.length > 0 ? target.helperPids : target.edges.map((e) => e.pid);
  const broker = target.brokerPid === null ? [] : [target.brokerPid];
  const all = [...new Set([...target.edges.map((e) => e.pid), ...target.helperPids, ...broker])];
  return { all, api, broker };
}

/**
 * hot-topic: ONE topic, ONE api process (the all-in-one on memory), N concurrent publishers
 * doing `POST /v1/publish` back to back for `duration` seconds, then 4 concurrent
 * `POST /v1/publish/batch` of 100 messages. The three targets run side by side and take turns
 * in 0.5 s windows; Redis and NATS are reported against memory.
 */
export async function runHotTopic(ctx: BenchContext): Promise<ScenarioResult[]> {
  const concurrency = ctx.options.connections ?? 64;
  const seconds = ctx.options.durationS ?? 3;
  const others: BusKind[] = ctx.options.bus === null || ctx.options.bus === 'memory' ? ['redis', 'nats'] : [ctx.options.bus];
  const profile = ctx.options.profileDir === null ? {} : { profileDir: ctx.options.profileDir };
  const running: Running[] = [];
  try {
    for (const bus of ['memory', ...others] as BusKind[]) {
      const target = await startSwitchboard(bus, 1, profile);
      const publisher = new HttpPublisher(
        target.publishUrl,
        ctx.options.payloadBytes,
        new Agent({ keepAlive: true, maxSockets: concurrency }),
      );
      running.push({
        bus,
        target,
        publisher,
        single: { ok: 0, failed: 0, ms: 0 },
        batch: { ok: 0, failed: 0, ms: 0 },
        cpu: { systemMs: 0, apiMs: 0, brokerMs: 0, loadMs: 0 },
      });
      // Warm-up: connections, JIT, the topic's tip cached.
      await loop(concurrency, 500, () => publisher.one(TOPIC));
      await loop(BATCHES_IN_FLIGHT, 300, () => publisher.batch(TOPIC, BATCH_SIZE));
    }
    // The buses take turns in short windows, so a load that varies over time (a shared
    // machine) weighs on each alike.
    const windowMs = 500;
    const rounds = Math.max(1, Math.round((seconds * 1000) / windowMs));
    const progress = ctx.progress(`hot-topic ${concurrency} publishers`, rounds);
    for (let round = 0; round < rounds; round++) {
      for (const r of running) {
        const pids = pidsOf(r.target);
        const system = new CpuMeter(pids.all);
        const api = new CpuMeter(pids.api);
        const broker = new CpuMeter(pids.broker);
        const load = process.cpuUsage();
        add(r.single, await loop(concurrency, windowMs, () => r.publisher.one(TOPIC)));
        const loadUs = process.cpuUsage(load);
        r.cpu.systemMs += system.stop().totalMs;
        r.cpu.apiMs += api.stop().totalMs;
        r.cpu.brokerMs += broker.stop().totalMs;
        r.cpu.loadMs += (loadUs.user + loadUs.system) / 1000;
      }
      for (const r of running) add(r.batch, await loop(BATCHES_IN_FLIGHT, windowMs, () => r.publisher.batch(TOPIC, BATCH_SIZE)));
      progress.update(round + 1);
    }
    progress.stop();
  } finally {
    for (const r of running) {
      r.publisher.close();
      await r.target.stop();
    }
  }
  const [first, ...rest] = running;
  if (first === undefined) throw new Error('no target');
  const memory = tidy({ ...measured(first) });
  const results: ScenarioResult[] = [];
  for (const r of rest) {
    const bus = r.bus;
    const other = tidy({ ...measured(r) });
    const ratios = ratiosOf(other, memory, [
      'publishesPerSec',
      'batchMessagesPerSec',
      'systemCpuUsPerPublish',
      'apiCpuUsPerPublish',
      'loadCpuUsPerPublish',
    ]);
    results.push({
      scenario: 'hot-topic',
      bus,
      params: { concurrency, seconds, batchSize: BATCH_SIZE, batchesInFlight: BATCHES_IN_FLIGHT, payloadBytes: ctx.options.payloadBytes },
      subject: { label: `${bus} bus (1 api process)`, metrics: other as Metrics },
      baseline: { label: 'memory bus (all-in-one)', metrics: memory as Metrics },
      ratios,
      checks: [
        check(`hot-topic: ${bus} vs memory publishes/s, one topic`, ratios.publishesPerSec ?? null, '>=', 0.8),
        check(`hot-topic: ${bus} publishes refused`, (other.refused ?? 0) + (other.batchRefused ?? 0), '<=', 0),
        ...(results.length === 0
          ? [
              check('hot-topic: memory batch messages/s', memory.batchMessagesPerSec ?? null, '>=', 100_000),
              check('hot-topic: memory publishes refused', (memory.refused ?? 0) + (memory.batchRefused ?? 0), '<=', 0),
            ]
          : []),
      ],
      deliveriesOk: other.refused === 0 && memory.refused === 0,
      notes: [
        'publishes/s: acknowledged `POST /v1/publish` per second, every one on the same topic (history on)',
        'CPU µs per publish (single-publish windows, /proc): system = every process of the target (edges, api, broker), api = the process answering the publishes, broker = nats-server or redis-server (empty when the bench did not start it, e.g. with NATS_URL or REDIS_URL: then system leaves it out too), load = the load generator, which shares the cores with the target; less sensitive to a loaded machine than the rates',
      ],
    });
  }
  return results;
}
