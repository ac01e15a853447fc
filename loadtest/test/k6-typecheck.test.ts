import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const K6_DIR = fileURLToPath(new URL('../k6/', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** Runs `tsc --noEmit -p <project>` and returns its exit code and output. */
function typecheck(project: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [TSC, '--noEmit', '-p', project], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('k6 scripts', () => {
  it('type-check against @types/k6', { timeout: 60_000 }, () => {
    const { status, output } = typecheck(join(K6_DIR, 'tsconfig.json'));
    assert.equal(status, 0, output);
  });

  it('the same check rejects a script that misuses the k6 API', { timeout: 60_000 }, () => {
    // Inside loadtest/k6 so that @types/k6 resolves the same way; removed afterwards.
    const probe = join(K6_DIR, `.typecheck-probe-${process.pid}`);
    mkdirSync(probe, { recursive: true });
    try {
      writeFileSync(join(probe, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', include: ['*.ts'] }));
      writeFileSync(
        join(probe, 'wrong.ts'),
        [
          "import { WebSocket } from 'k6/websockets';",
          "import { Trend } from 'k6/metrics';",
          'const ws = new WebSocket(8080);',
          "ws.sendText('{}');",
          "new Trend('latency').add('slow');",
          '',
        ].join('\n'),
      );
      const { status, output } = typecheck(join(probe, 'tsconfig.json'));
      assert.notEqual(status, 0, 'tsc accepted a wrong k6 script');
      assert.match(output, /wrong\.ts\(3,\d+\): error TS2345/, output);
      assert.match(output, /wrong\.ts\(4,\d+\): error TS2339/, output);
      assert.match(output, /wrong\.ts\(5,\d+\): error TS2345/, output);
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  });
});
