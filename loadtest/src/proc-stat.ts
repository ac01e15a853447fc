import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

export interface CpuSample {
  /** CPU time of the whole process (every thread) in ms: user and kernel. */
  userMs: number;
  systemMs: number;
}

/** utime + stime of a process (all its threads) from /proc/<pid>/stat. */
export function cpuOf(pid: number): CpuSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // Fields after the command name (which may contain spaces): state is field 3; utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = (i: number) => Number(fields[i - 3]);
  return { userMs: (ticks(14) * 1000) / TICKS_PER_SECOND, systemMs: (ticks(15) * 1000) / TICKS_PER_SECOND };
}

/** Resident set size of a process in bytes (/proc/<pid>/stat field 24). */
export function rssOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[24 - 3]) * PAGE_BYTES;
}

export interface CpuDelta {
  userMs: number;
  systemMs: number;
  totalMs: number;
}

/** Measures the CPU that `pids` use between `start()` and `stop()`. */
export class CpuMeter {
  private readonly before: CpuSample[];

  constructor(private readonly pids: number[]) {
    this.before = pids.map(cpuOf);
  }

  stop(): CpuDelta {
    let userMs = 0;
    let systemMs = 0;
    this.pids.forEach((pid, i) => {
      const now = cpuOf(pid);
      const then = this.before[i] as CpuSample;
      userMs += now.userMs - then.userMs;
      systemMs += now.systemMs - then.systemMs;
    });
    return { userMs, systemMs, totalMs: userMs + systemMs };
  }
}

/**
 * The pid of our own child process whose command line contains every one of `parts` (or null).
 * A process that rewrote its title into one string (redis-server: `redis-server 127.0.0.1:<port>`)
 * matches when that string holds every part as a word.
 */
export function findPid(parts: string[]): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0');
      if (parts.every((p) => cmdline.includes(p))) return Number(entry);
      const title = (cmdline[0] ?? '').split(/[\s:]+/);
      if (parts.every((p) => title.includes(p))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}
