import { SingleBar } from 'cli-progress';

/**
 * A progress bar on stderr for the long phases (bursts, paced seconds, connections). It draws
 * only on a terminal (cli-progress stays silent otherwise) and never on stdout, which carries
 * the results.
 */
export class Progress {
  private readonly bar: SingleBar | null;

  constructor(label: string, total: number, enabled: boolean) {
    this.bar = enabled
      ? new SingleBar({ format: `${label.padEnd(34)} [{bar}] {value}/{total} {duration}s`, barsize: 30, clearOnComplete: true })
      : null;
    this.bar?.start(total, 0);
  }

  update(value: number): void {
    this.bar?.update(value);
  }

  stop(): void {
    this.bar?.stop();
  }
}
