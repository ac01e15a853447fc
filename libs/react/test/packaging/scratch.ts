import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../../../../', import.meta.url).pathname;
/** The packages `npm pack` turns into tarballs. */
export const PUBLISHED = ['@switchboard/sdk', '@switchboard/react'];

/** The environment for npm in the scratch project: none of the outer `npm test`'s npm_* settings. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
}

/** Runs a command and returns stdout; fails the test with its output when it fails. */
export function run(command: string, args: string[], cwd: string, timeout = 240_000): string {
  const result = spawnSync(command, args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout });
  assert.equal(
    result.status,
    0,
    `${command} ${args.join(' ')} failed (${result.error ?? result.signal ?? result.status}):\n${result.stdout}\n${result.stderr}`,
  );
  return result.stdout;
}

/**
 * Runs a command without blocking the event loop (the server under test runs in this process);
 * resolves with stdout, fails the test with its output when it fails.
 */
export function runAsync(command: string, args: string[], cwd: string, timeout = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} failed (${error.message}):\n${stdout}\n${stderr}`));
    });
  });
}

/** The version of a package installed in the workspace (so the scratch install hits the npm cache). */
function workspaceVersion(name: string): string {
  const require = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  return require.version;
}

/**
 * A project in a temp dir outside the workspace that installs the tarballs of `npm pack` (which
 * builds the packages through `prepack`) plus `extras` from the registry (cache first).
 */
export function scratchProject(extras: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-packaging-'));
  run('npm', ['pack', '--silent', '--pack-destination', dir, ...PUBLISHED.flatMap((name) => ['-w', name])], ROOT);
  const tarballs = readdirSync(dir).filter((file) => file.endsWith('.tgz'));
  assert.equal(tarballs.length, PUBLISHED.length, `npm pack made ${tarballs.join(', ')}`);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  const specs = [...tarballs.map((file) => `./${file}`), ...extras.map((name) => `${name}@${workspaceVersion(name)}`)];
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...specs], dir);
  return dir;
}
