import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type HostileNode, report, startHostileNode } from './harness.js';

/**
 * A refused request body is not read: a POST with a 10 GB `Content-Length` and no API key (401),
 * or with a key and a body over the limit (413), is answered with `Connection: close` and the
 * connection closed. The attacker writes as fast as the socket takes it; it must be cut off
 * after a few MB (what the kernel buffers), not drained.
 */

const API_KEY = 'hostile-refused-body-key-0123456789';
const RSS_BOUND_MB = 50;
/** An attacker may get this much into kernel buffers before the close reaches it. */
const MAX_WRITTEN = 64 * 1024 * 1024;

let node: HostileNode;

interface Outcome {
  head: string;
  written: number;
}

/** Sends `head` with a 10 GB Content-Length, then zeros until the server closes; resolves with what it answered. */
function attack(port: number, head: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunk = Buffer.alloc(256 * 1024);
    let written = 0;
    let answer = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ head: answer, written });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`not closed after ${written} bytes; answer so far: ${answer.slice(0, 200)}`));
    }, 20_000);
    const pump = () => {
      while (!done && written < MAX_WRITTEN * 2) {
        written += chunk.length;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    socket.on('connect', () => {
      socket.write(`${head}Content-Length: 10000000000\r\nContent-Type: application/json\r\n\r\n`);
      pump();
    });
    socket.on('data', (data) => {
      answer += data.toString();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('end', finish);
  });
}

describe('hostile: refused bodies are not read', { timeout: 90_000 }, () => {
  before(async () => {
    node = await startHostileNode('refused-body', { env: { API_KEYS: API_KEY }, apiKey: API_KEY });
  });
  after(() => node?.stop());

  it('401 (no key) and 413 (too large): answered with Connection: close and cut off, 8 attackers at once', async () => {
    const unauthenticated = `POST /v1/publish HTTP/1.1\r\nHost: x\r\n`;
    const tooLarge = `POST /v1/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${API_KEY}\r\n`;
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => attack(node.port, i % 2 === 0 ? unauthenticated : tooLarge)));
    for (const [i, { head, written }] of outcomes.entries()) {
      assert.match(head, i % 2 === 0 ? /^HTTP\/1\.1 401 / : /^HTTP\/1\.1 413 /, head.slice(0, 100));
      assert.match(head, /\r\nconnection: close\r\n/i);
      assert.match(head, /"error":\{"code":"(unauthorized|too_large)"/);
      assert.ok(written < MAX_WRITTEN, `the server read on: the attacker wrote ${(written / 1e6).toFixed(0)} MB before the close`);
    }
    const figures = await node.finish();
    report('refused bodies (8 × 10 GB Content-Length)', figures, `+${RSS_BOUND_MB} MB`);
    assert.ok(figures.peakMb - figures.baselineMb < RSS_BOUND_MB, `RSS grew ${(figures.peakMb - figures.baselineMb).toFixed(0)} MB`);
  });
});
