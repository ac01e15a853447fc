#!/usr/bin/env -S npx tsx
// Measures what each browser client adds to an application, all the same way (testkit's
// bundleSize: esbuild, `export * as lib from 'X'`, minified ESM, gzip -9): @switchboard/sdk and
// @switchboard/react from `npm pack`, and socket.io-client, pusher-js and centrifuge from npm,
// all installed into one temp dir outside the workspace (nothing is added to the project).
// Usage: npx tsx scripts/sdk-sizes.ts   (prints a Markdown table for docs/benchmarks.md)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleSize } from '@switchboard/testkit';

const ROOT = new URL('..', import.meta.url).pathname;
const OTHERS = ['socket.io-client', 'pusher-js', 'centrifuge'];
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, env, stdio: ['ignore', 'ignore', 'inherit'] });

const dir = mkdtempSync(join(tmpdir(), 'sb-sizes-'));
try {
  npm(['pack', '--silent', '--pack-destination', dir, '-w', '@switchboard/sdk', '-w', '@switchboard/react'], ROOT);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'sizes', private: true, type: 'module' }));
  const tarballs = readdirSync(dir).filter((file) => file.endsWith('.tgz'));
  npm(
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs.map((f) => `./${f}`), 'react', ...OTHERS],
    dir,
  );
  const version = (name: string) =>
    (JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const rows: string[] = [];
  const sdk = await bundleSize(dir, ['@switchboard/sdk']);
  rows.push(`| @switchboard/sdk ${version('@switchboard/sdk')} | ${kb(sdk.minified)} | ${kb(sdk.gzipped)} |`);
  const both = await bundleSize(dir, ['@switchboard/sdk', '@switchboard/react'], ['react']);
  rows.push(
    `| + @switchboard/react ${version('@switchboard/react')} (adds; React itself excluded) | +${kb(both.minified - sdk.minified)} | +${kb(both.gzipped - sdk.gzipped)} |`,
  );
  for (const name of OTHERS) {
    const size = await bundleSize(dir, [name]);
    rows.push(`| ${name} ${version(name)} | ${kb(size.minified)} | ${kb(size.gzipped)} |`);
  }
  console.log(['| package | minified | gzipped |', '| --- | --- | --- |', ...rows].join('\n'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
