import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '@switchboard/config';
import { type SelfSigned, selfSignedCert } from '@switchboard/testkit';
import { Router } from '../src/router.js';
import { createRoutedServer, listen, schemeOf } from '../src/serve.js';
import { loadTls } from '../src/tls.js';

const log = { error: () => undefined };

describe('loadTls', () => {
  let cert: SelfSigned;
  before(() => {
    cert = selfSignedCert();
  });
  after(() => cert.remove());

  it('null when neither variable is set; the PEM files when both are', () => {
    assert.equal(loadTls({}), null);
    const files = loadTls({ TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.keyFile });
    assert.ok(files !== null);
    assert.match(files.cert.toString(), /BEGIN CERTIFICATE/);
    assert.match(files.key.toString(), /PRIVATE KEY/);
  });

  it('fails loudly, naming the variable', () => {
    writeFileSync(join(cert.dir, 'junk.pem'), 'junk');
    const CASES: ReadonlyArray<readonly [Record<string, string>, RegExp]> = [
      [{ TLS_CERT_FILE: cert.certFile }, /^invalid TLS_KEY_FILE: required/],
      [{ TLS_KEY_FILE: cert.keyFile }, /^invalid TLS_CERT_FILE: required/],
      [{ TLS_CERT_FILE: join(cert.dir, 'nope.pem'), TLS_KEY_FILE: cert.keyFile }, /^invalid TLS_CERT_FILE .*cannot read it \(ENOENT\)/],
      [{ TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.dir }, /^invalid TLS_KEY_FILE .*cannot read it \(EISDIR\)/],
      [{ TLS_CERT_FILE: join(cert.dir, 'junk.pem'), TLS_KEY_FILE: cert.keyFile }, /^invalid TLS_CERT_FILE .*not a PEM certificate/],
      [{ TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.certFile }, /^invalid TLS_KEY_FILE .*not a PEM private key/],
    ];
    for (const [settings, message] of CASES) {
      assert.throws(
        () => loadTls(settings),
        (err: unknown) => err instanceof ConfigError && message.test(err.message),
        JSON.stringify(settings),
      );
    }
  });

  it('createRoutedServer serves https with them; listen works the same', async () => {
    const files = loadTls({ TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.keyFile });
    const server = createRoutedServer(
      [
        new Router().on('GET', /^\/x$/, (_req, res) => {
          res.end('secure');
        }),
      ],
      log,
      { tls: files },
    );
    assert.equal(schemeOf(server), 'https');
    const port = await listen(server, 0, '127.0.0.1');
    try {
      const body = await new Promise<string>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/x', ca: cert.cert, servername: 'localhost' }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c.toString();
          });
          res.on('end', () => resolve(text));
        })
          .on('error', reject)
          .end();
      });
      assert.equal(body, 'secure');
      assert.equal((server.address() as AddressInfo).port, port);
    } finally {
      server.close();
    }
    assert.equal(schemeOf(createRoutedServer([], log)), 'http');
  });
});
