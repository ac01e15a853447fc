#!/usr/bin/env node
// Step 2 of deploy/build-release.sh (after `npm run build`): lays out the release in DIR.
//   DIR/services/cli/dist/*.js         the compiled `switchboard` command (scripts/bundle-cli.mjs)
//   DIR/<package>/public/              every shipped workspace package's static files (demo page,
//                                      dashboard), at the place the compiled code looks for them
//   DIR/node_modules/@switchboard/sdk/ the SDK's browser bundle, as the `@switchboard/sdk/bundle`
//                                      export the demo page imports (whatever file the SDK builds)
//   DIR/package.json                   the npm dependencies of every shipped workspace package,
//                                      pinned to the versions installed here, installed with
//                                      npm install --omit=dev
//   DIR/bin/switchboard                exec node …/switchboard.js "$@"
// Which packages ship is the dependency closure of @switchboard/cli over workspace packages:
// a new workspace package is picked up by depending on it, with no edit here.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIR = process.argv[2];
if (!DIR) throw new Error('usage: assemble-release.mjs DIR');
const CLI_DIST = 'services/cli/dist';
/** The one path through which the release gets the SDK bundle the demo page serves. */
const SDK_BUNDLE_EXPORT = './bundle';

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const rootPackage = readJson(join(ROOT, 'package.json'));

/** Every workspace package by name → its directory (relative to ROOT). */
const workspaces = new Map();
for (const pattern of rootPackage.workspaces) {
  const dirs = pattern.endsWith('/*')
    ? readdirSync(join(ROOT, pattern.slice(0, -2))).map((d) => `${pattern.slice(0, -2)}/${d}`)
    : [pattern];
  for (const dir of dirs)
    if (existsSync(join(ROOT, dir, 'package.json'))) workspaces.set(readJson(join(ROOT, dir, 'package.json')).name, dir);
}

/** The workspace packages the command needs at run time, and their npm dependencies. */
const shipped = new Set();
const npmDependencies = new Map();
const visit = (name) => {
  if (shipped.has(name)) return;
  shipped.add(name);
  const dir = workspaces.get(name);
  const pkg = readJson(join(ROOT, dir, 'package.json'));
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    if (workspaces.has(dep)) visit(dep);
    else npmDependencies.set(dep, join(ROOT, dir));
  }
};
visit('@switchboard/cli');

/** The installed version of `name` as seen from `fromDir` (node_modules lookup upwards). */
function installedVersion(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const manifest = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) return readJson(manifest).version;
    if (dir === dirname(dir)) throw new Error(`${name} is not installed (run npm install)`);
  }
}

mkdirSync(join(DIR, 'bin'), { recursive: true });
cpSync(join(ROOT, CLI_DIST), join(DIR, CLI_DIST), { recursive: true, filter: (src) => !src.endsWith('.map') });
for (const name of shipped) {
  const publicDir = join(workspaces.get(name), 'public');
  if (existsSync(join(ROOT, publicDir))) cpSync(join(ROOT, publicDir), join(DIR, publicDir), { recursive: true });
}

const dependencies = Object.fromEntries([...npmDependencies].sort().map(([name, from]) => [name, installedVersion(name, from)]));
writeFileSync(
  join(DIR, 'package.json'),
  `${JSON.stringify({ name: 'switchboard-release', version: rootPackage.version ?? '0.0.0', private: true, type: 'module', dependencies }, null, 2)}\n`,
);

// Production dependencies only; before the SDK package is placed, as npm prunes what it did not install.
execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
  cwd: DIR,
  stdio: 'inherit',
});

// The SDK bundle, reachable as `@switchboard/sdk/bundle` (demo-routes.ts imports that).
const sdkDir = workspaces.get('@switchboard/sdk');
const sdkPackage = readJson(join(ROOT, sdkDir, 'package.json'));
const bundleExport = sdkPackage.exports?.[SDK_BUNDLE_EXPORT];
const bundleFile = typeof bundleExport === 'string' ? bundleExport : (bundleExport?.import ?? bundleExport?.default);
if (typeof bundleFile !== 'string' || !existsSync(join(ROOT, sdkDir, bundleFile)))
  throw new Error(`@switchboard/sdk/bundle: ${bundleFile} is missing (npm run build writes it)`);
const sdkOut = join(DIR, 'node_modules/@switchboard/sdk');
mkdirSync(dirname(join(sdkOut, bundleFile)), { recursive: true });
cpSync(join(ROOT, sdkDir, bundleFile), join(sdkOut, bundleFile));
writeFileSync(
  join(sdkOut, 'package.json'),
  `${JSON.stringify({ name: sdkPackage.name, version: sdkPackage.version, type: 'module', exports: { [SDK_BUNDLE_EXPORT]: bundleFile } }, null, 2)}\n`,
);

const entry = relative(join(DIR, 'bin'), join(DIR, CLI_DIST, 'switchboard.js'));
writeFileSync(
  join(DIR, 'bin/switchboard'),
  `#!/bin/sh
# switchboard edge|api|presence|all-in-one (configuration: environment variables), or a tool.
# exec: node replaces this shell, so SIGTERM reaches node and the service drains.
here=$(dirname "$(readlink -f "$0")")
exec node "$here/${entry}" "$@"
`,
);
chmodSync(join(DIR, 'bin/switchboard'), 0o755);
console.error(`release in ${DIR}: ${[...shipped].sort().join(', ')}; npm dependencies: ${Object.keys(dependencies).join(', ')}`);
