#!/usr/bin/env node
// Start-up time of a service, compiled vs through tsx: time from spawn to the first
// `/readyz` 200, and the RSS then. Runs the variants alternately, N times each, on free
// ports with the in-memory bus; prints the median of each and the ratio to the first.
// Usage: node scripts/measure-startup.mjs [service=edge] [runs=7] [release dir]
// (run `npm run build` first; a release dir adds `DIR/bin/switchboard <service>`).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const [service = 'edge', runsArg = '7', release] = process.argv.slice(2);
const runs = Number(runsArg);

const variants = [
  ['tsx (source)', process.execPath, ['--import', 'tsx', `services/${service}/src/main.ts`]],
  ['compiled (services/cli/dist)', process.execPath, ['services/cli/dist/switchboard.js', service]],
];
if (release) variants.push(['release (bin/switchboard)', `${release}/bin/switchboard`, [service]]);

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function once(command, args) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production' },
    stdio: 'ignore',
  });
  try {
    for (const deadline = started + 30_000; performance.now() < deadline; await new Promise((r) => setTimeout(r, 2))) {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (!ok) continue;
      const ms = performance.now() - started;
      const rss = Number(readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1]) / 1024;
      return { ms, rss };
    }
    throw new Error(`${command} ${args.join(' ')}: not ready in 30 s`);
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
}

const results = variants.map(() => []);
for (let i = 0; i < runs; i++) for (const [v, [, command, args]] of variants.entries()) results[v].push(await once(command, args));
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(results[0].map((r) => r.ms));
for (const [v, [name]] of variants.entries()) {
  const ms = median(results[v].map((r) => r.ms));
  const rss = median(results[v].map((r) => r.rss));
  console.log(
    `${service} ${name.padEnd(30)} ready in ${ms.toFixed(0).padStart(5)} ms (median of ${runs}), RSS ${rss.toFixed(0)} MiB, ${(ms / base).toFixed(2)}x tsx`,
  );
}
