import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Router, sendText } from '@switchboard/http';

const PUBLIC = fileURLToPath(new URL('../public/', import.meta.url));

/**
 * The SDK's browser bundle that the demo page loads: the `@switchboard/sdk/bundle` export,
 * written by the SDK's build (`npm run build`), and shipped at that same specifier in the
 * release (deploy/build-release.sh). Before a build (a fresh clone running `npm start`) the
 * SDK source is bundled on the first request instead, with esbuild (a devDependency).
 */
async function loadSdk(): Promise<string> {
  const bundle = fileURLToPath(import.meta.resolve('@switchboard/sdk/bundle'));
  if (existsSync(bundle)) return readFile(bundle, 'utf8');
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [fileURLToPath(import.meta.resolve('@switchboard/sdk'))],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    platform: 'browser',
    write: false,
  });
  return result.outputFiles[0]?.text ?? '';
}

/** The demo page at `/` (the SDK is loaded on its first request): watch a topic's live messages and publish to it, built on the SDK. */
export async function demoRoutes(): Promise<Router> {
  const [html, script] = await Promise.all([readFile(`${PUBLIC}index.html`, 'utf8'), readFile(`${PUBLIC}demo.js`, 'utf8')]);
  let sdk: Promise<string> | undefined;
  return new Router()
    .on('GET', /^\/$/, (_req, res) => sendText(res, 200, html, 'text/html; charset=utf-8'))
    .on('GET', /^\/demo\.js$/, (_req, res) => sendText(res, 200, script, 'text/javascript; charset=utf-8'))
    .on('GET', /^\/sdk\.js$/, async (_req, res) => {
      sdk ??= loadSdk();
      sendText(res, 200, await sdk, 'text/javascript; charset=utf-8');
    });
}
