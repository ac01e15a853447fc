/**
 * deploy/Dockerfile and docker-compose.yml, read without Docker: the image is what the release
 * test builds (its build stage runs deploy/build-release.sh and nothing else that changes the
 * release), runs it as a non-root user with a health check, and gives node the SIGTERM.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { commands } from '../../services/cli/src/commands.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The Dockerfile's instructions per stage: continuation lines joined, comments dropped. */
function stages(text: string): Array<Array<[string, string]>> {
  const lines = text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const result: Array<Array<[string, string]>> = [];
  for (const line of lines) {
    const [op = '', ...rest] = line.split(' ');
    if (op.toUpperCase() === 'FROM') result.push([]);
    result.at(-1)?.push([op.toUpperCase(), rest.join(' ')]);
  }
  return result;
}

describe('deploy/Dockerfile', () => {
  const [build = [], runtime = []] = stages(readFileSync(`${ROOT}deploy/Dockerfile`, 'utf8'));

  it('builds the release with deploy/build-release.sh only, and copies just that release into the runtime stage', () => {
    const runs = build.filter(([op]) => op === 'RUN').map(([, arg]) => arg);
    assert.deepEqual(runs, ['deploy/build-release.sh /release']);
    const copies = runtime.filter(([op]) => op === 'COPY').map(([, arg]) => arg);
    assert.deepEqual(copies, ['--from=build /release /app']);
    assert.ok(!runtime.some(([op]) => op === 'RUN'), 'nothing else is installed at run time');
  });

  it('runs as a non-root user with NODE_ENV=production, a HEALTHCHECK and node as PID 1 (exec-form entrypoint)', () => {
    const last = (op: string) => runtime.filter(([o]) => o === op).at(-1)?.[1] ?? '';
    assert.equal(last('USER'), 'node');
    assert.match(last('ENV'), /NODE_ENV=production/);
    assert.match(last('HEALTHCHECK'), /\/healthz/);
    assert.deepEqual(JSON.parse(last('ENTRYPOINT')), ['/app/bin/switchboard']);
    assert.ok(
      commands.some((c) => c.name === JSON.parse(last('CMD'))[0]),
      'CMD names a switchboard command',
    );
  });
});

describe('docker-compose.yml services', () => {
  // biome-ignore lint/suspicious/noExplicitAny: compose YAML is untyped; the assertions check its shape.
  const compose = parse(readFileSync(`${ROOT}docker-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, any> };
  const ours = Object.entries(compose.services).filter(([, s]) => s.build?.dockerfile === 'deploy/Dockerfile');

  it('run the one image with a switchboard command each, edges with a stop grace period longer than their drain', () => {
    assert.deepEqual(ours.map(([name]) => name).sort(), ['api', 'edge-1', 'edge-2', 'edge-3', 'presence']);
    for (const [name, s] of ours) {
      assert.ok(
        commands.some((c) => c.name === s.command[0]),
        `${name}: ${s.command}`,
      );
      assert.equal(s.command.length, 1, `${name}: services take no arguments`);
    }
    for (const [name, s] of ours.filter(([n]) => n.startsWith('edge'))) {
      const drainMs = Number(s.environment.DRAIN_NOTICE_MS ?? 2000) + Number(s.environment.DRAIN_TIMEOUT_MS ?? 10_000);
      assert.ok(Number.parseInt(s.stop_grace_period, 10) * 1000 > drainMs, `${name}: stop_grace_period ${s.stop_grace_period}`);
    }
  });
});
