#!/usr/bin/env node
// Builds a package published to npm (@switchboard/sdk, @switchboard/react) from src/index.ts into dist/:
//   index.js                ESM for bundlers and Node (readable, with a source map)
//   index.cjs               CommonJS for require()
//   index.d.ts, index.d.cts the type declarations generated from src/, bundled into one file
// and with --global NAME (the SDK) also:
//   switchboard.js          minified browser ESM bundle (the all-in-one demo page serves it at /sdk.js)
//   switchboard.global.js   minified IIFE for a <script> tag, exposing `window.NAME`
// Dependencies and peer dependencies stay external. Usage, in the package's folder:
//   node ../../scripts/build-package.mjs [--global NAME]
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The browser ESM bundle's one path inside a package (the demo page and the release copy it). */
export const BROWSER_BUNDLE = 'dist/switchboard.js';

const common = (dir) => ({
  entryPoints: [join(dir, 'src/index.ts')],
  bundle: true,
  target: 'es2020',
  sourcemap: true,
  logLevel: 'warning',
});

/** Builds `dist/switchboard.js` of the package in `dir`. */
export async function buildBrowserBundle(dir) {
  await build({ ...common(dir), format: 'esm', platform: 'browser', minify: true, outfile: join(dir, BROWSER_BUNDLE) });
}

/** Builds every file of the package in `dir`. */
export async function buildPackage(dir, { globalName } = {}) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const external = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
  const dist = join(dir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  const node = { ...common(dir), platform: 'neutral', external };
  const builds = [
    build({ ...node, format: 'esm', outfile: join(dist, 'index.js') }),
    build({ ...node, format: 'cjs', outfile: join(dist, 'index.cjs') }),
  ];
  if (globalName !== undefined) {
    const iife = { ...common(dir), format: 'iife', globalName, platform: 'browser', minify: true };
    builds.push(buildBrowserBundle(dir), build({ ...iife, outfile: join(dist, 'switchboard.global.js') }));
  }
  await Promise.all(builds);
  const cli = createRequire(import.meta.url).resolve('dts-bundle-generator/dist/bin/dts-bundle-generator.js');
  const out = join(dist, 'index.d.ts');
  const args = [
    cli,
    '--silent',
    '--no-check',
    '--no-banner',
    '--disable-symlinks-following',
    '--project',
    join(dir, 'tsconfig.build.json'),
    '-o',
    out,
  ];
  for (const name of external) args.push('--external-imports', name);
  execFileSync(process.execPath, [...args, '--', join(dir, 'src/index.ts')], { stdio: 'inherit' });
  // (--no-check: `npm run build` type-checks with tsc first.) One declaration file serves both conditions: it imports only other packages, which
  // resolve per condition themselves.
  copyFileSync(out, join(dist, 'index.d.cts'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--global');
  await buildPackage(resolve('.'), at === -1 ? {} : { globalName: process.argv[at + 1] });
}
