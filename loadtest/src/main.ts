/**
 * `npm run bench -- --scenario burst|rate|idle|connect|cross-node|hot-topic|ws-burst|all [--bus memory|nats|redis] [--json out.json]`
 *
 * Starts the system under test and the bare-ws ceiling as their own processes, drives both from
 * forked client workers on loopback, and prints a markdown table with the ratios (stdout) and,
 * with --json, the full results. See docs/benchmarks.md.
 */
import { writeFileSync } from 'node:fs';
import { runBench } from './bench.js';
import { type BenchOptions, parseOptions } from './options.js';
import { markdown } from './report.js';

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const report = await runBench(options);
  console.log(markdown(report));
  if (options.json !== null) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
