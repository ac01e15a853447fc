import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export interface BundleSize {
  /** Minified bytes. */
  minified: number;
  /** Minified, then gzip level 9. */
  gzipped: number;
}

/**
 * How much an application grows by importing packages, measured one way for every library we
 * compare: esbuild bundles `export * as lib from '<name>'` for each name (resolved from
 * `projectDir`'s node_modules, browser conditions, ESM output, everything reachable kept),
 * minifies it, and gzips it at level 9. `external` packages are left out (React for bindings).
 */
export async function bundleSize(projectDir: string, names: string[], external: string[] = []): Promise<BundleSize> {
  const contents = names.map((name, i) => `export * as lib${i} from '${name}';`).join('\n');
  const result = await build({
    stdin: { contents, resolveDir: projectDir, loader: 'js' },
    absWorkingDir: projectDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    external,
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    logLevel: 'error',
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength };
}
