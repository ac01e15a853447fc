import { HistoryUnavailableError } from '@switchboard/history';

/**
 * Fails appends fast while the history stream has no leader. JetStream has nobody to answer a
 * write between the death of a stream leader and the election of the next (seconds: the raft
 * election timeout), so every append would wait its whole ack timeout. After the first sign of
 * that (an append timed out or found no responder) the guard refuses appends at once and probes
 * the stream (stream info names its leader) until a leader serves, or until JetStream announces
 * one (LEADER_ELECTED advisory); then appends go through again.
 */
export class ElectionGuard {
  private probing = false;
  private suspected = false;

  constructor(
    /** Resolves true when the stream has a leader (rejects or false: not yet). */
    private readonly hasLeader: () => Promise<boolean>,
    private readonly intervalMs = 250,
  ) {}

  /** True while appends are refused (a leader is being elected). */
  get electing(): boolean {
    return this.suspected;
  }

  /** Throws HistoryUnavailableError while a leader is being elected. */
  check(): void {
    if (this.suspected) throw new HistoryUnavailableError('jetstream: the history stream is electing a leader');
  }

  /** An append timed out or found no responder: refuse the next ones until a leader serves. */
  suspect(): void {
    this.suspected = true;
    if (this.probing) return;
    this.probing = true;
    void (async () => {
      while (this.suspected) {
        const ok = await this.hasLeader().catch(() => false);
        if (ok) break;
        await new Promise((r) => setTimeout(r, this.intervalMs).unref());
      }
      this.suspected = false;
      this.probing = false;
    })();
  }

  /** A leader was elected (advisory): appends may go at once. */
  settle(): void {
    this.suspected = false;
  }
}
