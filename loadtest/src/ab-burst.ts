/**
 * A/B burst: the all-in-one process of several checkouts of this repository (each with its own
 * `npm install`), started side by side and taking turns burst by burst, so that they see the same
 * machine load. It prints each one's server CPU µs per delivery (mean, median, every burst) and
 * its total relative to the first checkout. Used to compare a change with main or with v1.
 *
 *   tsx loadtest/src/ab-burst.ts ROUNDS DIR [DIR…]
 *
 * Environment: SUBS (subscribers, 2000), MSGS (messages per burst, 200), ENV_<i> extra variables
 * of the i-th side as `NAME=value NAME=value` (e.g. OTEL_* for a traced side; a directory may be
 * given twice), PROF_DIR (write a CPU profile of every server there).
 */
import { resolve } from 'node:path';
import { freePort, ServiceProcess } from '@switchboard/testkit';
import { sleep } from './context.js';
import { CpuMeter } from './proc-stat.js';
import { HttpPublisher } from './publisher.js';
import { BENCH_ENV } from './targets.js';
import { WorkerPool } from './worker-pool.js';

const TOPIC = 'bench.burst';

interface Side {
  dir: string;
  proc: ServiceProcess;
  publisher: HttpPublisher;
  shares: number[];
  /** CPU µs per delivery of each measured burst, total and user. */
  us: number[];
  userUs: number[];
}

/** `NAME=value NAME=value` → an object. */
function parseEnv(text: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of (text ?? '').split(' ').filter((p) => p.includes('='))) {
    const at = pair.indexOf('=');
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

async function startSide(pool: WorkerPool, dir: string, index: number, subscribers: number): Promise<Side> {
  const port = await freePort();
  const profileDir = process.env.PROF_DIR;
  const profile = profileDir
    ? { NODE_OPTIONS: `--import=${resolve('loadtest/src/cpu-profile-preload.mjs')}`, SB_CPU_PROFILE_DIR: resolve(profileDir) }
    : {};
  const env = {
    ...process.env,
    ...BENCH_ENV,
    NODE_ID: `ab${index}`,
    PORT: String(port),
    ...profile,
    ...parseEnv(process.env[`ENV_${index}`]),
  };
  const proc = new ServiceProcess(`ab${index}`, port, resolve(dir, 'services/all-in-one/src/main.ts'), env);
  await proc.start(60_000);
  const connected = await pool.connect(`ab${index}`, { host: '127.0.0.1', port }, subscribers, { topics: [TOPIC], perConnection: 1 });
  if (connected.failed > 0) throw new Error(`${dir}: ${connected.failed} subscribers failed: ${connected.firstError}`);
  console.log(`side ${index}: ${dir} (pid ${proc.pid})`);
  return { dir, proc, publisher: new HttpPublisher(proc.url, 64), shares: connected.shares, us: [], userUs: [] };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

async function main(): Promise<void> {
  const [roundsArg, ...dirs] = process.argv.slice(2);
  const rounds = Number(roundsArg);
  if (!Number.isInteger(rounds) || rounds < 1 || dirs.length === 0) throw new Error('usage: ab-burst.ts ROUNDS DIR [DIR…]');
  const subscribers = Number(process.env.SUBS ?? 2000);
  const messages = Number(process.env.MSGS ?? 200);
  const pool = new WorkerPool(2);
  const sides: Side[] = [];
  try {
    for (const [i, dir] of dirs.entries()) sides.push(await startSide(pool, dir, i, subscribers));
    // Round 0 warms every side up and is not counted; the order rotates every round.
    for (let round = 0; round <= rounds; round++) {
      for (let k = 0; k < sides.length; k++) {
        const side = sides[(k + round) % sides.length] as Side;
        await pool.reset();
        const cpu = new CpuMeter([side.proc.pid ?? 0]);
        const [, arrived] = await Promise.all([side.publisher.batch(TOPIC, messages), pool.expect(side.shares, messages, 120_000)]);
        const used = cpu.stop();
        if (!arrived.reached) console.error(`${side.dir}: burst incomplete (${arrived.deliveries} deliveries)`);
        if (round > 0 && arrived.deliveries > 0) {
          side.us.push((used.totalMs * 1000) / arrived.deliveries);
          side.userUs.push((used.userMs * 1000) / arrived.deliveries);
        }
        await sleep(150);
      }
    }
    const base = sum((sides[0] as Side).us);
    for (const [i, s] of sides.entries()) {
      const mean = sum(s.us) / s.us.length;
      console.log(
        `side ${i}: mean ${mean.toFixed(3)} µs/delivery, median ${median(s.us).toFixed(3)} (user ${median(s.userUs).toFixed(3)}), ` +
          `×${(sum(s.us) / base).toFixed(3)} of side 0; bursts ${s.us.map((x) => x.toFixed(2)).join(' ')}`,
      );
    }
  } finally {
    await pool.close();
    for (const s of sides) {
      s.publisher.close();
      await (process.env.PROF_DIR ? s.proc.stop() : s.proc.kill());
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
