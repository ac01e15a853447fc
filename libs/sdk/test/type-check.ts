import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
/** The typed-topic fixtures: `typed-ok.ts` must compile, every `expect-error` line of `typed-bad.ts` must not. */
export const TYPE_FIXTURES = new URL('./fixtures/types/', import.meta.url).pathname;

/** Runs the workspace's TypeScript compiler on a tsconfig; returns its diagnostics, one per line. */
export function runTsc(tsconfig: string, cwd: string): string[] {
  const result = spawnSync(process.execPath, [TSC, '-p', tsconfig, '--pretty', 'false'], { cwd, encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.error, undefined, String(result.error));
  return result.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
}

/**
 * Type-checks the fixtures in `dir` (copies of TYPE_FIXTURES, plus whatever else the tsconfig
 * includes) and asserts that errors occur on exactly the `expect-error` lines of typed-bad.ts.
 */
export function assertTypedFixtures(tsconfig: string, dir: string): void {
  const bad = readFileSync(join(dir, 'typed-bad.ts'), 'utf8').split('\n');
  const expected = bad.flatMap((line, i) => (line.includes('// expect-error') ? [`typed-bad.ts:${i + 1}`] : []));
  assert.ok(expected.length >= 10, 'the must-not-compile fixture lists its mistakes');
  const errors = runTsc(tsconfig, dir);
  const where = errors.map((line) => {
    const match = /([^/\\]+\.[cm]?tsx?)\((\d+),\d+\)/.exec(line);
    return match === null ? line : `${match[1]}:${match[2]}`;
  });
  assert.deepEqual([...new Set(where)].sort(), [...expected].sort(), `tsc reported:\n${errors.join('\n')}`);
}

/** Writes a tsconfig for the fixtures and returns its path. */
export function writeTsconfig(dir: string, compilerOptions: Record<string, unknown>, include: string[]): string {
  const path = join(dir, 'tsconfig.json');
  writeFileSync(
    path,
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, ...compilerOptions }, include }, null, 2),
  );
  return path;
}
