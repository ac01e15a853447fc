#!/usr/bin/env node
// Builds everything @switchboard/sdk ships into dist/:
//   index.js                ESM for bundlers and Node (readable, with a source map)
//   index.cjs               CommonJS for require()
//   index.d.ts, index.d.cts the type declarations, generated from src/ and bundled into one file
//   switchboard.js          minified browser ESM bundle (what the all-in-one demo page serves at /sdk.js)
//   switchboard.global.js   minified IIFE for a <script> tag; exposes `window.Switchboard`
// Usage: node scripts/build.mjs [--browser-only]
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(pkg, 'src/index.ts');
const dist = join(pkg, 'dist');
/** The one path of the browser ESM bundle (the demo page and the release copy it). */
export const BROWSER_BUNDLE = join(dist, 'switchboard.js');

const common = { entryPoints: [entry], bundle: true, target: 'es2020', sourcemap: true, logLevel: 'warning' };

/** The minified browser ESM bundle, `dist/switchboard.js`. */
export async function buildBrowserBundle() {
  await build({ ...common, format: 'esm', platform: 'browser', minify: true, outfile: BROWSER_BUNDLE });
}

async function buildAll() {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  await Promise.all([
    build({ ...common, format: 'esm', platform: 'neutral', outfile: join(dist, 'index.js') }),
    build({ ...common, format: 'cjs', platform: 'neutral', outfile: join(dist, 'index.cjs') }),
    buildBrowserBundle(),
    build({
      ...common,
      format: 'iife',
      globalName: 'Switchboard',
      platform: 'browser',
      minify: true,
      outfile: join(dist, 'switchboard.global.js'),
    }),
  ]);
  const cli = createRequire(import.meta.url).resolve('dts-bundle-generator/dist/bin/dts-bundle-generator.js');
  const out = join(dist, 'index.d.ts');
  execFileSync(process.execPath, [cli, '--silent', '--project', join(pkg, 'tsconfig.build.json'), '--no-banner', '-o', out, entry], {
    stdio: 'inherit',
  });
  // One self-contained declaration file serves both conditions (it imports nothing).
  copyFileSync(out, join(dist, 'index.d.cts'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--browser-only')) await buildBrowserBundle();
  else await buildAll();
}
