// Preloaded into the benchmarked servers (NODE_OPTIONS=--import=…) by `npm run bench`: on
// SIGUSR2 the process runs two full garbage collections, so the idle scenario can read each
// server's RSS without the garbage that happens not to be collected yet. Nothing else changes.
// Plain JS because it loads before tsx.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
process.on('SIGUSR2', () => {
  gc();
  gc();
});
