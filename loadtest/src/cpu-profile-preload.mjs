// Preloaded into the benchmarked servers (NODE_OPTIONS=--import=…, where --cpu-prof is not
// allowed) by `npm run bench -- --profile DIR`: samples the CPU from start-up and writes
// DIR/<script>.<pid>.cpuprofile when the process exits (the runner stops it with SIGTERM).
// Plain JS because it loads before tsx.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { basename } from 'node:path';

const dir = process.env.SB_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  process.on('exit', () => {
    // An in-thread inspector session answers synchronously, so this runs before the exit.
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      const name = basename(process.argv[1] ?? 'node').replace(/\.[cm]?[jt]s$/, '');
      writeFileSync(`${dir}/${name}.${process.pid}.cpuprofile`, JSON.stringify(result.profile));
    });
  });
}
