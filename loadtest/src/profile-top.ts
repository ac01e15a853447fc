/**
 * Top self-time functions of a V8 `.cpuprofile` (from `node --cpu-prof`, e.g. written by
 * `npm run bench -- --profile DIR`):
 *
 *   tsx loadtest/src/profile-top.ts DIR/CPU.xxx.cpuprofile [count]
 *
 * Prints one markdown row per function: self time in ms and as a share of the busy time (all
 * but `(idle)`).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

/** Self time per function (name + file:line), largest first. */
export function selfTimes(profile: CpuProfile): SelfTime[] {
  const names = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : ` ${basename(url)}:${lineNumber + 1}`;
    names.set(node.id, `${functionName || '(anonymous)'}${where}`);
  }
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const name = names.get(id) ?? '?';
    totals.set(name, (totals.get(name) ?? 0) + us);
    if (name !== '(idle)') all += us;
  });
  return [...totals]
    .filter(([name]) => name !== '(idle)')
    .map(([name, us]) => ({ name, ms: us / 1000, share: all === 0 ? 0 : us / all }))
    .sort((a, b) => b.ms - a.ms);
}

const [file, count] = process.argv.slice(2);
if (file !== undefined && import.meta.url.endsWith('profile-top.ts')) {
  const top = selfTimes(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile).slice(0, Number(count ?? 20));
  console.log('| self ms | share | function |\n| ---: | ---: | --- |');
  for (const row of top) console.log(`| ${row.ms.toFixed(1)} | ${(row.share * 100).toFixed(1)}% | \`${row.name}\` |`);
}
