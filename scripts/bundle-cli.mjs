#!/usr/bin/env node
// Compiles the `switchboard` command (services/cli) to JavaScript with esbuild: one ESM entry,
// services/cli/dist/switchboard.js, plus one chunk per service (they are imported on demand).
// Every workspace package (@switchboard/*) is inlined from its TypeScript source; npm
// packages stay external, imported from node_modules at run time (the release installs the
// production ones). Part of `npm run build`; deploy/build-release.sh ships the output.
//
// Files next to a module (a service's public/ pages) are found through `import.meta.url`.
// In a bundle that would be the chunk's URL, so each workspace module's `import.meta.url`
// becomes the URL its source file has relative to the repository root, resolved against the
// root as seen from the output directory: the repository, or a release with the same layout.
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUT_DIR = 'services/cli/dist';

/** Bare imports other than workspace packages are npm dependencies: left to node_modules. */
const npmExternal = {
  name: 'npm-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@switchboard/') ? undefined : { path: args.path, external: true }));
  },
};

/** `import.meta.url` of a workspace module = its source file's place under the root. */
const sourceUrl = {
  name: 'source-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const at = JSON.stringify(relative(ROOT, args.path));
      return { contents: text.replaceAll('import.meta.url', `new URL(${at}, __switchboardRoot).href`), loader: 'ts' };
    });
  },
};

const started = Date.now();
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { switchboard: 'services/cli/src/main.ts' },
  outdir: OUT_DIR,
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // A workspace package may point this private condition at its TypeScript source (libs/sdk
  // does, once it ships dist/ files): inline the source, as tsx and the tests see it.
  conditions: ['@switchboard/source'],
  // Every output file sits in OUT_DIR, three levels below the root.
  banner: { js: "const __switchboardRoot = new URL('../../../', import.meta.url);" },
  plugins: [npmExternal, sourceUrl],
  metafile: true,
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.error(
  `bundled ${OUT_DIR}: ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1024).toFixed(0)} KiB in ${Date.now() - started} ms`,
);
