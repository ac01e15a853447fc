#!/usr/bin/env node
// Runs `npm run build` in every workspace package that has a build script, dependencies first
// (a package's workspace dependencies, dev ones included, build before it), so a package whose
// build reads another's output (types, bundles) needs no hand-kept order here. Part of
// `npm run compile`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

const packages = new Map();
for (const pattern of readJson(join(ROOT, 'package.json')).workspaces) {
  const dirs = pattern.endsWith('/*')
    ? readdirSync(join(ROOT, pattern.slice(0, -2))).map((d) => `${pattern.slice(0, -2)}/${d}`)
    : [pattern];
  for (const dir of dirs) {
    if (!existsSync(join(ROOT, dir, 'package.json'))) continue;
    const pkg = readJson(join(ROOT, dir, 'package.json'));
    packages.set(pkg.name, pkg);
  }
}

const order = [];
const seen = new Set();
const visit = (name) => {
  if (seen.has(name)) return; // done, or a cycle through dev dependencies: first come first built
  seen.add(name);
  const pkg = packages.get(name);
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies }))
    if (packages.has(dep)) visit(dep);
  if (pkg.scripts?.build) order.push(name);
};
for (const name of [...packages.keys()].sort()) visit(name);

for (const name of order) {
  const result = spawnSync('npm', ['run', 'build', '--silent', '-w', name], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
