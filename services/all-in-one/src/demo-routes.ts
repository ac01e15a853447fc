import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, sendText } from '@switchboard/http';

const PUBLIC = fileURLToPath(new URL('../public/', import.meta.url));
/** The SDK's browser bundle, exactly the file the npm package ships (`@switchboard/sdk/bundle`). */
const SDK_BUNDLE = fileURLToPath(import.meta.resolve('@switchboard/sdk/bundle'));

/**
 * The shipped bundle; in a clone where `npm run build` has not run yet, builds it first with the
 * same script as `npm run build` (scripts/build-package.mjs) (so the page never runs anything but the published build).
 */
async function sdkBundle(): Promise<string> {
  if (!existsSync(SDK_BUNDLE)) {
    const script = new URL('../../../scripts/build-package.mjs', import.meta.url).href;
    const { buildBrowserBundle } = (await import(script)) as { buildBrowserBundle: (dir: string) => Promise<void> };
    await buildBrowserBundle(dirname(fileURLToPath(import.meta.resolve('@switchboard/sdk/package.json'))));
  }
  return readFile(SDK_BUNDLE, 'utf8');
}

/** The demo page at `/`: watch a topic's live messages and publish to it, built on the SDK's browser bundle (`/sdk.js`). */
export async function demoRoutes(): Promise<Router> {
  const [html, script] = await Promise.all([readFile(`${PUBLIC}index.html`, 'utf8'), readFile(`${PUBLIC}demo.js`, 'utf8')]);
  let sdk: Promise<string> | undefined;
  return new Router()
    .on('GET', /^\/$/, (_req, res) => sendText(res, 200, html, 'text/html; charset=utf-8'))
    .on('GET', /^\/demo\.js$/, (_req, res) => sendText(res, 200, script, 'text/javascript; charset=utf-8'))
    .on('GET', /^\/sdk\.js$/, async (_req, res) => {
      sdk ??= sdkBundle();
      try {
        sendText(res, 200, await sdk, 'text/javascript; charset=utf-8');
      } catch {
        sdk = undefined;
        sendText(res, 500, 'the SDK bundle could not be built: run npm run build', 'text/plain; charset=utf-8');
      }
    });
}
