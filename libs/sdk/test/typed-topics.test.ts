import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { assertTypedFixtures, TYPE_FIXTURES, writeTsconfig } from './type-check.js';

describe('typed topics (the TypeScript compiler over the fixtures, against the sources)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-typed-topics-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('compiles typed-ok.ts and rejects each marked line of typed-bad.ts', () => {
    cpSync(TYPE_FIXTURES, dir, { recursive: true });
    // The fixtures import '@switchboard/sdk': map it to the sources of this tree.
    const tsconfig = writeTsconfig(
      dir,
      {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2022', 'DOM'],
        types: [],
        skipLibCheck: true,
        paths: { '@switchboard/sdk': [new URL('../src/index.ts', import.meta.url).pathname] },
        allowImportingTsExtensions: true,
      },
      ['*.ts'],
    );
    assertTypedFixtures(tsconfig, dir);
  });
});
