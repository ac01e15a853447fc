import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Router, sendText } from '@switchboard/http';
import { build } from 'esbuild';

const PUBLIC = fileURLToPath(new URL('../public/', import.meta.url));
const SDK_ENTRY = fileURLToPath(import.meta.resolve('@switchboard/sdk'));

/** Bundles the SDK for the browser (ESM), as `npm run build -w @switchboard/sdk` does. */
async function bundleSdk(): Promise<string> {
  const result = await build({
    entryPoints: [SDK_ENTRY],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    platform: 'browser',
    write: false,
  });
  return result.outputFiles[0]?.text ?? '';
}

/** The demo page at `/` (the SDK is bundled on its first request): watch a topic's live messages and publish to it, built on the SDK. */
export async function demoRoutes(): Promise<Router> {
  const [html, script] = await Promise.all([readFile(`${PUBLIC}index.html`, 'utf8'), readFile(`${PUBLIC}demo.js`, 'utf8')]);
  let sdk: Promise<string> | undefined;
  return new Router()
    .on('GET', /^\/$/, (_req, res) => sendText(res, 200, html, 'text/html; charset=utf-8'))
    .on('GET', /^\/demo\.js$/, (_req, res) => sendText(res, 200, script, 'text/javascript; charset=utf-8'))
    .on('GET', /^\/sdk\.js$/, async (_req, res) => {
      sdk ??= bundleSdk();
      sendText(res, 200, await sdk, 'text/javascript; charset=utf-8');
    });
}
