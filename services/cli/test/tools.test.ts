/**
 * The tool subcommands run as users run them: spawned processes (`npx switchboard …` and the
 * bin) against an all-in-one process started like `npm start`, their stdout, stderr and exit
 * codes checked.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FaultProxy, freePort, requestJson, ServiceProcess } from '@switchboard/testkit';
import { jwtVerify } from 'jose';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/switchboard.mjs', import.meta.url));
const T = { timeout: 60_000 };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `switchboard ARGS` (through the bin, or `npx` when asked) and collects its output. */
function run(args: string[], options: { npx?: boolean; stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const [command, argv] = options.npx ? ['npx', ['--no-install', 'switchboard', ...args]] : [process.execPath, [BIN, ...args]];
  return new Promise((resolve) => {
    const child = execFile(
      command,
      argv,
      { cwd: ROOT, timeout: 45_000, env: { ...process.env, ...options.env } },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.stdin ?? '');
  });
}

/** A running `switchboard subscribe`: its stdout lines as they come. */
class Subscriber {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  stderr = '';
  private readonly child: ChildProcess;

  constructor(args: string[], npx = false) {
    const [command, argv] = npx
      ? ['npx', ['--no-install', 'switchboard', 'subscribe', ...args]]
      : [process.execPath, [BIN, 'subscribe', ...args]];
    // Its own process group: npx runs the command as a child, and kill() must reach both.
    this.child = spawn(command, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let partial = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts);
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Resolves once `probe` holds (polling), or throws after `timeoutMs`. */
  async until(probe: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!probe()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; stdout ${JSON.stringify(this.lines)}; stderr ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  kill(): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

describe('switchboard tools against the all-in-one', () => {
  let server: ServiceProcess;
  let url: string;
  const subscribers: Subscriber[] = [];
  const subscribe = (args: string[], npx = false) => {
    const s = new Subscriber(args, npx);
    subscribers.push(s);
    return s;
  };
  /** The subscriber is on the topic once a marker published now reaches it. */
  const subscribed = async (s: Subscriber, topic: string) => {
    for (let i = 0; ; i++) {
      await requestJson(`${url}/v1/publish`, { body: { topic, data: { marker: i } } });
      try {
        await s.until(() => s.lines.some((l) => l.includes('"marker"')), 'the subscription', 500);
        return;
      } catch (err) {
        if (i > 40) throw err;
      }
    }
  };

  before(async () => {
    const port = await freePort();
    const env = { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', NODE_ID: 'cli-test' };
    server = new ServiceProcess('all-in-one', port, 'services/all-in-one/src/main.ts', env);
    await server.start();
    url = server.url;
  });
  after(async () => {
    for (const s of subscribers) s.kill();
    await server?.kill();
  });

  it('npx switchboard subscribe prints the JSON line of npx switchboard publish', T, async () => {
    const sub = subscribe(['cli.a', '--url', url], true);
    await subscribed(sub, 'cli.a');
    const published = await run(['publish', 'cli.a', '{"hello":"cli"}', '--url', url], { npx: true });
    assert.equal(published.code, 0, published.stderr);
    const answer = JSON.parse(published.stdout) as { offset: number; epoch: string };
    assert.equal(typeof answer.offset, 'number');
    await sub.until(() => sub.lines.some((l) => l.includes('"hello"')), 'the message');
    const line = JSON.parse(sub.lines.find((l) => l.includes('"hello"')) ?? '') as unknown;
    assert.deepEqual(line, { topic: 'cli.a', offset: answer.offset, data: { hello: 'cli' } });
  });

  it('subscribe resumes with since across a cut connection: every message once, in order; --count exits 0', T, async () => {
    const proxy = await FaultProxy.start(server.port);
    try {
      const sub = subscribe(['cli.b', '--url', proxy.url, '--count', '4']);
      await subscribed(sub, 'cli.b');
      const publish = (n: number) => requestJson(`${url}/v1/publish`, { body: { topic: 'cli.b', data: { n } } });
      await publish(1);
      await sub.until(() => sub.lines.length === 2, 'message 1');
      proxy.dropAll(); // the WebSocket is cut; messages 2 and 3 are published while it is down
      await publish(2);
      await publish(3);
      await sub.until(() => proxy.counts.connections >= 2, 'the reconnect');
      assert.equal(await sub.exited, 0, sub.stderr);
      const data = sub.lines.map((l) => (JSON.parse(l) as { data: unknown }).data);
      assert.deepEqual(data.slice(1), [{ n: 1 }, { n: 2 }, { n: 3 }]);
      const offsets = sub.lines.map((l) => (JSON.parse(l) as { offset: number }).offset);
      assert.deepEqual(offsets, [offsets[0], Number(offsets[0]) + 1, Number(offsets[0]) + 2, Number(offsets[0]) + 3]);
      assert.match(sub.stderr, /reconnecting/);
    } finally {
      await proxy.close();
    }
  });

  it('subscribe --since 0 prints what history holds first; history prints the same lines', T, async () => {
    for (const n of [1, 2]) await requestJson(`${url}/v1/publish`, { body: { topic: 'cli.c', data: n } });
    const sub = subscribe(['cli.c', '--url', url, '--since', '0', '--count', '2']);
    assert.equal(await sub.exited, 0, sub.stderr);
    assert.deepEqual(sub.lines, ['{"topic":"cli.c","offset":1,"data":1}', '{"topic":"cli.c","offset":2,"data":2}']);
    const history = await run(['history', 'cli.c', '--url', url]);
    assert.equal(history.code, 0, history.stderr);
    assert.deepEqual(history.stdout.trim().split('\n'), sub.lines);
    const since = await run(['history', 'cli.c', '--since', '1'], { env: { SWITCHBOARD_URL: url } });
    assert.equal(since.stdout, '{"topic":"cli.c","offset":2,"data":2}\n');
  });

  it('subscribe and history print a bytes message as base64 with "encoding":"base64"', T, async () => {
    const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff]);
    await requestJson(`${url}/v1/publish?topic=cli.bytes`, { raw: bytes, headers: { 'content-type': 'application/octet-stream' } });
    await requestJson(`${url}/v1/publish`, { body: { topic: 'cli.bytes', data: 'json' } });
    const sub = subscribe(['cli.bytes', '--url', url, '--since', '0', '--count', '2']);
    assert.equal(await sub.exited, 0, sub.stderr);
    const expected = [
      `{"topic":"cli.bytes","offset":1,"encoding":"base64","data":"${bytes.toString('base64')}"}`,
      '{"topic":"cli.bytes","offset":2,"data":"json"}',
    ];
    assert.deepEqual(sub.lines, expected);
    const history = await run(['history', 'cli.bytes', '--url', url]);
    assert.deepEqual(history.stdout.trim().split('\n'), expected);
  });

  it('publish reads DATA from @file and from stdin; --key makes a repeat publish once', T, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
    const file = join(dir, 'data.json');
    writeFileSync(file, '{"from":"file"}');
    const fromFile = await run(['publish', 'cli.d', `@${file}`, '--url', url]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const fromStdin = await run(['publish', 'cli.d', '-', '--url', url], { stdin: '["from","stdin"]' });
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    const keyed = await Promise.all([1, 2].map(() => run(['publish', 'cli.d', '"once"', '--key', 'k-1', '--url', url])));
    assert.equal(keyed[0]?.stdout, keyed[1]?.stdout);
    const history = await run(['history', 'cli.d', '--url', url]);
    assert.deepEqual(
      history.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { data: unknown }).data),
      [{ from: 'file' }, ['from', 'stdin'], 'once'],
    );
  });

  it('presence prints the counts, or one topic; presence with --url queries instead of running the service', T, async () => {
    const all = await run(['presence', '--url', url]);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(typeof (JSON.parse(all.stdout) as { connections: unknown }).connections, 'number');
    const one = await run(['presence', 'cli.a', '--url', url]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal((JSON.parse(one.stdout) as { topic: string }).topic, 'cli.a');
  });

  it('exit codes: 2 for bad usage, 1 for refusals and unreachable servers, with one-line reasons on stderr', T, async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['publish', 'cli.e', '{bad', '--url', url], 2, /DATA is not valid JSON/],
      [['publish', 'cli.e', '1', '--nope'], 2, /Unknown option '--nope'/],
      [['publish', 'cli.e', '@/does/not/exist', '--url', url], 2, /cannot read \/does\/not\/exist: ENOENT/],
      [['publish', 'bad topic', '1', '--url', url], 1, /^switchboard publish: bad_topic: /],
      [['publish', 'cli.e', '1', '--url', 'http://127.0.0.1:1', '--retries', '0'], 1, /^switchboard publish: network: .*ECONNREFUSED/],
      [['subscribe', 'bad..topic', '--url', url], 1, /bad_topic/],
      [['token', '--sub', 'u'], 2, /--secret .* is required/],
    ];
    const outs = await Promise.all(cases.map(([args]) => run(args, { env: { AUTH_JWT_SECRET: '' } })));
    for (const [i, [args, code, stderr]] of cases.entries()) {
      const out = outs[i] as Run;
      assert.equal(out.code, code, `${args.join(' ')}: ${out.stderr}`);
      assert.match(out.stderr, stderr, args.join(' '));
      assert.equal(out.stdout, '', args.join(' '));
    }
  });

  it('--help for each tool on stdout, exit 0', T, async () => {
    const tools = ['publish', 'subscribe', 'history', 'token'];
    const outs = await Promise.all(tools.map((tool) => run([tool, '--help'])));
    for (const [i, tool] of tools.entries()) {
      const out = outs[i] as Run;
      assert.equal(out.code, 0);
      assert.match(out.stdout, new RegExp(`^usage: switchboard ${tool} `));
    }
    const presence = await run(['presence', 'x', '--help']);
    assert.match(presence.stdout, /^usage: switchboard presence \[TOPIC\]/);
  });

  it('token mints an HS256 JWT with sub, subscribe, publish and exp that the server accepts', T, async () => {
    const secret = 'cli-test-secret-0123456789abcdef-0123';
    const out = await run([
      'token',
      '--secret',
      secret,
      '--sub',
      'u1',
      '--subscribe',
      'chat.>',
      '--subscribe',
      'inbox.{sub}',
      '--publish',
      'chat.*',
      '--ttl',
      '15m',
    ]);
    assert.equal(out.code, 0, out.stderr);
    const { payload, protectedHeader } = await jwtVerify(out.stdout.trim(), new TextEncoder().encode(secret));
    assert.equal(protectedHeader.alg, 'HS256');
    assert.equal(payload.sub, 'u1');
    assert.deepEqual(payload.subscribe, ['chat.>', 'inbox.{sub}']);
    assert.deepEqual(payload.publish, ['chat.*']);
    assert.equal(Number(payload.exp) - Number(payload.iat), 900);
    assert.doesNotMatch(out.stdout + out.stderr, new RegExp(secret));
    // A server with this secret lets a subscriber with the token in.
    const port = await freePort();
    const authed = new ServiceProcess('authed', port, 'services/all-in-one/src/main.ts', {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      AUTH_JWT_SECRET: secret,
    });
    await authed.start();
    try {
      const sub = subscribe(['chat.x', '--url', authed.url, '--token', out.stdout.trim(), '--count', '1']);
      const refused = await run(['subscribe', 'chat.x', '--url', authed.url, '--token', 'not-a-jwt']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /refused \(4001/);
      for (let i = 0; i < 200 && sub.lines.length === 0; i++) {
        await requestJson(`${authed.url}/v1/publish`, { body: { topic: 'chat.x', data: i } });
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(await sub.exited, 0, sub.stderr);
    } finally {
      await authed.kill();
    }
  });
});
