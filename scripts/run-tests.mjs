#!/usr/bin/env node
// Runs every *.test.ts under libs/ and services/ with Node's own test runner through tsx.
// Usage: npm test [-- <path filter>...]   e.g. npm test -- libs/protocol services/edge
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function find(dir, found = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) find(path, found);
    else if (entry.name.endsWith('.test.ts')) found.push(relative(root, path));
  }
  return found;
}

const filters = process.argv.slice(2);
const files = ['libs', 'services', 'loadtest']
  .flatMap((top) => {
    try {
      return find(join(root, top));
    } catch {
      return [];
    }
  })
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();

if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

// Workspace packages that ship built files (the SDK, the React bindings) resolve to their TypeScript
// sources under this condition, so tests never need a build first.
const args = ['--conditions=@switchboard/source', '--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=180000', ...files];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
