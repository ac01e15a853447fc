import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Router } from '../src/router.js';
import { createRoutedServer, listen } from '../src/serve.js';

const log = { error: () => undefined };

/** Opens a raw socket, sends `bytes`, and resolves with how long until the server closed it and what it answered. */
function slowClient(port: number, bytes: string): Promise<{ ms: number; answer: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let answer = '';
    const socket: Socket = connect(port, '127.0.0.1', () => {
      if (bytes !== '') socket.write(bytes);
    });
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ ms: Date.now() - started, answer }));
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the server kept the connection for 5 s'));
    }, 5000).unref();
  });
}

describe('createRoutedServer: handshake timeout (slowloris)', () => {
  const server = createRoutedServer(
    [
      new Router().on('GET', /^\/ok$/, (_req, res) => {
        res.end('ok');
      }),
    ],
    log,
    { handshakeTimeoutMs: 400 },
  );
  let port = 0;
  before(async () => {
    port = await listen(server, 0, '127.0.0.1');
  });
  after(() => server.close());

  const CASES: ReadonlyArray<readonly [string, string]> = [
    ['a partial request line', 'GET /ws HT'],
    ['headers that never end', 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n'],
    ['nothing at all', ''],
  ];
  for (const [what, bytes] of CASES) {
    it(`closes a connection that sends ${what} within the bound`, { timeout: 6000 }, async () => {
      const { ms } = await slowClient(port, bytes);
      // 400 ms, plus up to one check interval (100 ms), plus scheduling slack on a busy machine.
      assert.ok(ms >= 300 && ms < 1500, `closed after ${ms} ms`);
    });
  }

  it('a complete request is still answered', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/ok`);
    assert.equal(await res.text(), 'ok');
  });
});
