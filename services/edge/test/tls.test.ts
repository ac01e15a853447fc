import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { freePort, type SelfSigned, selfSignedCert, spawnTracked, stopProcess } from '@switchboard/testkit';
import { WebSocket } from 'ws';
import { T, TestServer } from './support.js';

/** An https request trusting only `ca`; resolves with status and body. */
function httpsRequest(url: string, ca: Buffer, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: body === undefined ? 'GET' : 'POST', ca, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Opens a wss:// socket trusting `ca` and collects its frames. */
function wss(url: string, ca: Buffer): Promise<{ ws: WebSocket; frames: Record<string, unknown>[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ca });
    const frames: Record<string, unknown>[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
    ws.once('open', () => resolve({ ws, frames }));
    ws.once('error', reject);
  });
}

async function until(probe: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('TLS: the all-in-one serves https:// and wss://', () => {
  let cert: SelfSigned;
  let server: TestServer;
  before(async () => {
    cert = selfSignedCert();
    server = await TestServer.start({ TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.keyFile });
  });
  after(async () => {
    await server.close();
    cert.remove();
  });

  it('wss: welcome, subscribe, and a message published over https', T, async () => {
    assert.match(server.url, /^https:\/\//);
    const { ws, frames } = await wss(`wss://127.0.0.1:${server.node.port}/ws`, cert.cert);
    try {
      await until(() => frames.some((f) => f.op === 'welcome'), 'welcome');
      ws.send(JSON.stringify({ op: 'subscribe', id: 1, topic: 'tls.t' }));
      await until(() => frames.some((f) => f.op === 'ack'), 'ack');
      const published = await httpsRequest(`${server.url}/v1/publish`, cert.cert, { topic: 'tls.t', data: { secure: true } });
      assert.equal(published.status, 200);
      await until(() => frames.some((f) => f.op === 'message'), 'message');
      assert.deepEqual(
        frames.find((f) => f.op === 'message'),
        { op: 'message', topic: 'tls.t', offset: 1, data: { secure: true } },
      );
    } finally {
      ws.terminate();
    }
  });

  it('refuses a client that does not trust the certificate, and plain ws:// / http://', T, async () => {
    await assert.rejects(wss(`wss://127.0.0.1:${server.node.port}/ws`, Buffer.from('')), /certificate|self.signed|unable/i);
    await assert.rejects(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.node.port}/ws`);
        ws.once('open', resolve);
        ws.once('error', reject);
      }),
    );
    await assert.rejects(fetch(`http://127.0.0.1:${server.node.port}/healthz`));
    assert.equal((await httpsRequest(`${server.url}/healthz`, cert.cert)).status, 200);
  });
});

describe('TLS: the edge and api processes', () => {
  let cert: SelfSigned;
  before(() => {
    cert = selfSignedCert();
  });
  after(() => cert.remove());

  for (const [service, script] of [
    ['edge', 'services/edge/src/main.ts'],
    ['api', 'services/api/src/main.ts'],
  ] as const) {
    it(`${service}: serves https with TLS_CERT_FILE/TLS_KEY_FILE`, { timeout: 30_000 }, async () => {
      const port = await freePort();
      const env = {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        TLS_CERT_FILE: cert.certFile,
        TLS_KEY_FILE: cert.keyFile,
      };
      const child = spawnTracked(process.execPath, ['--import', 'tsx', script], { env });
      try {
        const deadline = Date.now() + 20_000;
        let status = 0;
        while (status !== 200) {
          if (child.exitCode !== null) assert.fail(`${service} exited: ${child.output()}`);
          if (Date.now() > deadline) assert.fail(`${service} not ready over https: ${child.output()}`);
          status = await httpsRequest(`https://127.0.0.1:${port}/readyz`, cert.cert).then(
            (r) => r.status,
            () => 0,
          );
          if (status !== 200) await new Promise((r) => setTimeout(r, 100));
        }
        if (service === 'edge') {
          const { ws, frames } = await wss(`wss://127.0.0.1:${port}/ws`, cert.cert);
          await until(() => frames.some((f) => f.op === 'welcome'), 'welcome');
          ws.terminate();
        }
      } finally {
        await stopProcess(child, 'SIGKILL');
      }
    });
  }

  it('a TLS file that cannot be read stops the process with one line naming the variable', { timeout: 30_000 }, async () => {
    const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', TLS_CERT_FILE: `${cert.dir}/missing.pem`, TLS_KEY_FILE: cert.keyFile };
    const child = spawnTracked(process.execPath, ['--import', 'tsx', 'services/edge/src/main.ts'], { env });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1);
    const fatal = child
      .output()
      .split('\n')
      .filter((line) => line.includes('"level":60'));
    assert.equal(fatal.length, 1, child.output());
    assert.match(fatal[0] ?? '', /invalid TLS_CERT_FILE .*missing\.pem.*cannot read it \(ENOENT\)/);
  });
});
