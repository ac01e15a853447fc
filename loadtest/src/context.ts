import type { BenchOptions } from './options.js';
import { Progress } from './progress.js';
import { type BusKind, startCeiling, startSwitchboard, type Target } from './targets.js';
import type { WorkerPool } from './worker-pool.js';

/** What every scenario gets: the options, the client workers, and helpers. */
export class BenchContext {
  constructor(
    readonly options: BenchOptions,
    readonly pool: WorkerPool,
  ) {}

  /** The bus for this scenario: --bus, else `fallback`. */
  bus(fallback: BusKind): BusKind {
    return this.options.bus ?? fallback;
  }

  log(line: string): void {
    console.error(line);
  }

  progress(label: string, total: number): Progress {
    return new Progress(label, total, this.options.progress && process.stderr.isTTY === true);
  }

  /** Starts Switchboard and the ceiling (both kept up for the whole scenario) and runs `body`. */
  async withTargets<T>(bus: BusKind, edges: number, body: (switchboard: Target, ceiling: Target) => Promise<T>): Promise<T> {
    const profile = this.options.profileDir === null ? {} : { profileDir: this.options.profileDir };
    const switchboard = await startSwitchboard(bus, edges, profile);
    let ceiling: Target | null = null;
    try {
      ceiling = await startCeiling(profile);
      return await body(switchboard, ceiling);
    } finally {
      await this.pool.close();
      await switchboard.stop();
      await ceiling?.stop();
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
