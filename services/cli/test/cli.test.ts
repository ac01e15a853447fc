/** The `switchboard` command's dispatch, run as a user runs it: `npx switchboard …` in the clone. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { commands } from '../src/commands.js';

const BIN = fileURLToPath(new URL('../bin/switchboard.mjs', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('switchboard', () => {
  it('lists every command of the table on --help (stdout, exit 0)', () => {
    const out = run('--help');
    assert.equal(out.status, 0);
    for (const c of commands)
      assert.ok(
        out.stdout.split('\n').some((line) => line.trim().startsWith(c.name) && line.endsWith(c.summary)),
        c.name,
      );
    assert.equal(out.stderr, '');
  });

  it('prints the usage on stderr and exits 2 with no command or an unknown one', () => {
    for (const args of [[], ['nope']]) {
      const out = run(...args);
      assert.equal(out.status, 2, args.join(' '));
      assert.match(out.stderr, /usage: switchboard <command>/);
      assert.equal(out.stdout, '');
    }
    assert.match(run('nope').stderr, /unknown command "nope"/);
  });

  it('refuses arguments to a service (configuration is env only) instead of starting it', () => {
    const out = run('edge', '--port', '1');
    assert.equal(out.status, 2);
    assert.match(out.stderr, /switchboard edge takes no arguments/);
    assert.match(run('api', '--help').stdout, /usage: switchboard api/);
  });

  it('gives `presence <args>` to the query tool, not the service (which would keep running)', () => {
    const out = run('presence', 'some.topic');
    assert.notEqual(out.status, null, 'the process exited by itself');
    assert.notEqual(out.status, 0);
    assert.doesNotMatch(out.stdout + out.stderr, /presence listening/);
  });
});
