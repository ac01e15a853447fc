import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { spawnTracked } from '@switchboard/testkit';
import { nowSeconds, token } from '../tokens.js';
import { type HostileNode, report, startHostileNode, until } from './harness.js';

/**
 * Secrets never reach a log line or an error output: start-up errors name the variable and the
 * problem (no secret value, URL passwords redacted, one line, no stack for a bad LOG_LEVEL);
 * request targets carrying a `token` are logged redacted, and a malformed target
 * (`GET //[/sse?token=…`) gets 400 with the JSON error body, never a 500 or a stack trace.
 */

const JWT_SECRET = 'hostile-secrets-jwt-secret-0123456789abcdef';
const API_KEY = 'hostile-secrets-api-key-0123456789';
const URL_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.LEAKED-TOKEN-VALUE.sig';
const RSS_BOUND_MB = 50;

/** Runs a service with `env` until it exits; resolves with its exit code and everything it printed. */
async function startUp(entry: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawnTracked(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, PORT: '0', ...env } });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output: child.output() };
}

/** Sends one raw request and resolves with the whole answer (the server closes or we time out). */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (d) => {
      answer += d.toString();
      if (/\r\n\r\n[\s\S]*\}$/.test(answer)) socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer));
    setTimeout(() => socket.destroy(), 5000).unref();
  });
}

describe('hostile: secrets stay out of logs and errors', { timeout: 120_000 }, () => {
  it('start-up errors: one line naming the variable, never the secret or a URL password', async () => {
    const cases: Array<[string, Record<string, string>, RegExp, string[]]> = [
      [
        'services/all-in-one/src/main.ts',
        { AUTH_JWT_SECRET: 'short-secret-VALUE-42' },
        /invalid AUTH_JWT_SECRET: at least 32/,
        ['short-secret-VALUE-42'],
      ],
      ['services/edge/src/main.ts', { BUS_URL: 'redis://:hunter2-PASSWORD@127.0.0.1:notaport' }, /redis:\/\/\*\*\*@/, ['hunter2-PASSWORD']],
      ['services/edge/src/main.ts', { BUS_URL: 'nats://admin:s3cr3t-PASS@127.0.0.1:1' }, /connect/i, ['s3cr3t-PASS']],
      ['services/all-in-one/src/main.ts', { LOG_LEVEL: 'verbose' }, /invalid LOG_LEVEL \(got "verbose"\)/, ['    at ']],
    ];
    for (const [entry, env, expected, forbidden] of cases) {
      const { code, output } = await startUp(entry, env);
      const name = Object.keys(env)[0];
      assert.equal(code, 1, `${name}: exit code; output: ${output}`);
      // Warnings about open settings may come first; the failure is one fatal line, the last.
      const lines = output.trim().split('\n');
      const line = JSON.parse(lines.at(-1) as string) as { level: number; msg: string };
      assert.equal(line.level, 60, `${name}: a fatal log line last, got: ${output}`);
      assert.equal(lines.filter((l) => l.includes('"level":60')).length, 1, `${name}: one fatal line`);
      assert.match(line.msg, expected);
      for (const secret of forbidden) assert.ok(!output.includes(secret), `${name}: "${secret}" leaked: ${output}`);
    }
  });

  describe('a running node with auth, API keys and debug logs', () => {
    let node: HostileNode;
    before(async () => {
      node = await startHostileNode('secrets', {
        env: { AUTH_JWT_SECRET: JWT_SECRET, API_KEYS: API_KEY, LOG_LEVEL: 'debug', AUTH_TIMEOUT_MS: '500' },
        apiKey: API_KEY,
        watcherToken: await watcherToken(),
      });
    });
    after(() => node?.stop());

    it('malformed targets get 400 JSON; tokens in targets and frames never reach the log', async () => {
      for (const target of [`//[/sse?token=${URL_TOKEN}`, `//[/v1/publish?token=${URL_TOKEN}`, `//[?token=${URL_TOKEN}`]) {
        const answer = await rawRequest(node.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        assert.match(answer, /^HTTP\/1\.1 400 /, `${target}: ${answer.slice(0, 80)}`);
        assert.match(answer, /\{"error":\{"code":"bad_request"/);
        assert.ok(!answer.includes('    at '), 'no stack trace');
      }
      // The same token through every other door: SSE, the upgrade URL, a connect frame, a refresh.
      await fetch(`${node.http}/sse?topics=a&token=${URL_TOKEN}`).then((r) => r.body?.cancel());
      await new Promise<void>((resolve) => {
        const socket = connect(node.port, '127.0.0.1', () =>
          socket.write(
            `GET /ws?token=${URL_TOKEN} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
          ),
        );
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
        setTimeout(() => socket.destroy(), 1500).unref();
      });
      node.watcher.send({ op: 'refresh', id: 99, token: URL_TOKEN });
      await node.watcher.find((f) => f.id === 99);
      await new Promise((r) => setTimeout(r, 300));
      const output = node.child.output();
      assert.ok(output.length > 0, 'the node logged');
      for (const secret of [URL_TOKEN, 'LEAKED-TOKEN-VALUE', JWT_SECRET, API_KEY]) {
        assert.ok(
          !output.includes(secret),
          `"${secret}" reached the log: ${output.slice(output.indexOf(secret) - 200, output.indexOf(secret) + 50)}`,
        );
      }
      await until(() => node.child.exitCode === null, 'the node up', 1000);
      const figures = await node.finish();
      report('secrets (malformed targets, token-bearing requests)', figures, `+${RSS_BOUND_MB} MB`);
      assert.ok(figures.peakMb - figures.baselineMb < RSS_BOUND_MB);
    });
  });
});

function watcherToken(): Promise<string> {
  return token({ sub: 'watcher', exp: nowSeconds() + 600, subscribe: ['hostile.>'] }, JWT_SECRET);
}
