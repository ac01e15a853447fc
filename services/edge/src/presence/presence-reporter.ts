import type { Bus, BusSubscription } from '@switchboard/bus';
import {
  decodeSyncRequest,
  encodeReport,
  PRESENCE_REPORT_TOPIC,
  PRESENCE_SYNC_TOPIC,
  type PresenceSource,
  ReportBuilder,
} from '@switchboard/presence-report';
import { tracePresenceReport } from '../tracing/edge-spans.js';

export interface PresenceReporterOptions {
  bus: Bus;
  source: PresenceSource;
  /** PRESENCE_INTERVAL_MS. */
  intervalMs: number;
  /** PRESENCE_FULL_EVERY: a full report every this many intervals (0: only when asked). */
  fullEvery: number;
  log: { warn(obj: object, msg: string): void };
  now?: () => number;
}

/** What the reporter has done, for /metrics. */
export interface PresenceReporterStats {
  reports: number;
  fullReports: number;
  bytes: number;
  failures: number;
  syncRequests: number;
}

/**
 * Publishes this edge's presence on the bus every interval (`$sb.presence.reports`): a delta
 * against the previous report, or a full report when a presence replica asked for one (on
 * `$sb.presence.sync`), when the previous publish failed, after a bus outage, every
 * `fullEvery` intervals, and first of all. `stop()` sends a `bye` so the node leaves at once.
 */
export class PresenceReporter {
  readonly stats: PresenceReporterStats = { reports: 0, fullReports: 0, bytes: 0, failures: 0, syncRequests: 0 };
  private readonly builder: ReportBuilder;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private sync: BusSubscription | null = null;
  private stopStateWatch: (() => void) | null = null;
  private fullWanted = true;
  private sinceFull = 0;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: PresenceReporterOptions) {
    this.builder = new ReportBuilder(options.source.nodeId, options.intervalMs);
    this.now = options.now ?? Date.now;
  }

  /** Starts reporting: the first (full) report goes out at once. */
  start(): void {
    const { bus, intervalMs } = this.options;
    this.stopStateWatch = bus.onStateChange((state) => {
      // Replicas may have expired this node while the bus was down: resend everything.
      if (state === 'up') this.fullWanted = true;
    });
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
    void this.tick();
  }

  /** One report now (skipped while the previous one is still being published). */
  tick(): Promise<void> {
    if (this.running !== null || this.stopped) return this.running ?? Promise.resolve();
    this.running = tracePresenceReport(() => this.report()).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops, after a last `bye` report (best effort), and leaves the sync topic. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.stopStateWatch?.();
    await this.running;
    const { bus, source } = this.options;
    if (bus.state === 'up') {
      await bus.publish(PRESENCE_REPORT_TOPIC, encodeReport(this.builder.bye(source.totals(), this.now()))).catch(() => undefined);
    }
    await this.sync?.unsubscribe().catch(() => undefined);
    this.sync = null;
  }

  private async report(): Promise<void> {
    const { bus, source, fullEvery, log } = this.options;
    if (bus.state !== 'up') return;
    if (this.sync === null) {
      try {
        this.sync = await bus.subscribe(PRESENCE_SYNC_TOPIC, (_topic, payload) => this.onSync(payload));
      } catch (err) {
        log.warn({ err }, 'presence: cannot subscribe to sync requests (will retry)');
      }
    }
    const full = this.fullWanted || (fullEvery > 0 && this.sinceFull + 1 >= fullEvery);
    this.fullWanted = false;
    const built = this.builder.build(source, { full, at: this.now() });
    try {
      for (const report of built.reports) {
        const bytes = encodeReport(report);
        await bus.publish(PRESENCE_REPORT_TOPIC, bytes);
        this.stats.bytes += bytes.length;
        this.stats.reports++;
      }
    } catch (err) {
      this.stats.failures++;
      this.fullWanted = true;
      log.warn({ err }, 'presence: report not published (a full report follows)');
      return;
    }
    built.commit();
    if (built.reports[0]?.kind === 'full') {
      this.stats.fullReports++;
      this.sinceFull = 0;
    } else {
      this.sinceFull++;
    }
  }

  private onSync(payload: Uint8Array): void {
    const request = decodeSyncRequest(payload);
    if (request === null || (request.node !== null && request.node !== this.options.source.nodeId)) return;
    this.stats.syncRequests++;
    this.fullWanted = true;
  }
}

/** Starts the reporter of an edge process with its configuration (PRESENCE_INTERVAL_MS, PRESENCE_FULL_EVERY). */
export function startPresenceReporter(
  source: PresenceSource,
  bus: Bus,
  config: { PRESENCE_INTERVAL_MS: number; PRESENCE_FULL_EVERY: number },
  log: PresenceReporterOptions['log'],
): PresenceReporter {
  const reporter = new PresenceReporter({
    bus,
    source,
    intervalMs: config.PRESENCE_INTERVAL_MS,
    fullEvery: config.PRESENCE_FULL_EVERY,
    log,
  });
  reporter.start();
  return reporter;
}
