/** One POST, formatted and signed by its producer (native user events, Pusher webhooks). */
export interface WebhookRequest {
  /** Names the request in logs (an event id, a body hash). */
  id: string;
  /** JSON, sent as `application/json`. */
  body: string;
  /** Extra headers (signature, key, event id). */
  headers: Record<string, string>;
}

export interface WebhookOptions {
  /** Never logged (it may carry a token). */
  url: string;
  /** Events waiting at most; past it the oldest is dropped. */
  queueLimit: number;
  timeoutMs: number;
  /** First retry after `baseBackoffMs` (default 250), doubling up to `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs: number;
  log: { warn(obj: object, msg: string): void };
  /** Added to every log line (e.g. the Pusher app id). */
  logContext?: object;
}

export interface WebhookStats {
  delivered: number;
  attempts: number;
  /** Attempts that failed and were retried. */
  failures: number;
  /** Events dropped because the queue was full. */
  dropped: number;
  /** Events the receiver refused for good (a 4xx other than 408/429). */
  rejected: number;
}

type Outcome = { ok: true } | { ok: false; retry: boolean; afterMs?: number; why: string };

/**
 * Delivers requests to one webhook URL, one at a time and in order. A failed
 * delivery (network error, timeout, 408, 429, 5xx) is retried with exponential backoff and
 * jitter (honouring Retry-After), so delivery is at-least-once while the process lives; the
 * queue is bounded and drops its oldest event when full.
 */
export class WebhookSender {
  readonly stats: WebhookStats = { delivered: 0, attempts: 0, failures: 0, dropped: 0, rejected: 0 };
  private readonly queue: WebhookRequest[] = [];
  private readonly abort = new AbortController();
  private wake: (() => void) | null = null;
  private stopped = false;
  private readonly worker: Promise<void>;

  constructor(private readonly options: WebhookOptions) {
    this.worker = this.run();
  }

  /** Events not yet delivered (including the one in flight). */
  get pending(): number {
    return this.queue.length;
  }

  enqueue(event: WebhookRequest): void {
    if (this.stopped) return;
    if (this.queue.length >= this.options.queueLimit) {
      this.queue.shift();
      this.stats.dropped++;
    }
    this.queue.push(event);
    this.wake?.();
  }

  /** Stops at once; undelivered events are lost (presence keeps no storage). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
    await this.worker;
  }

  private async run(): Promise<void> {
    const base = this.options.baseBackoffMs ?? 250;
    while (!this.stopped) {
      const event = this.queue[0];
      if (event === undefined) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = null;
        continue;
      }
      for (let attempt = 1; !this.stopped; attempt++) {
        const outcome = await this.post(event);
        if (outcome.ok) {
          this.stats.delivered++;
          break;
        }
        if (!outcome.retry) {
          this.stats.rejected++;
          this.options.log.warn({ ...this.options.logContext, event: event.id, why: outcome.why }, 'webhook refused a request; dropped');
          break;
        }
        this.stats.failures++;
        const backoff = Math.min(this.options.maxBackoffMs, base * 2 ** Math.min(attempt - 1, 30));
        const wait = Math.min(this.options.maxBackoffMs, Math.max(outcome.afterMs ?? 0, backoff / 2 + Math.random() * (backoff / 2)));
        if (attempt === 1 || attempt % 10 === 0) {
          this.options.log.warn(
            { ...this.options.logContext, event: event.id, attempt, why: outcome.why, retryInMs: Math.round(wait) },
            'webhook failed; retrying',
          );
        }
        await this.sleep(wait);
      }
      // The queue may have dropped this event meanwhile (overflow): only remove it if still first.
      if (this.queue[0] === event) this.queue.shift();
    }
  }

  private async post(request: WebhookRequest): Promise<Outcome> {
    const { url, timeoutMs } = this.options;
    const { body } = request;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'switchboard-presence',
      ...request.headers,
    };
    this.stats.attempts++;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(timeoutMs)]),
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true };
      const retry = res.status === 408 || res.status === 429 || res.status >= 500;
      const after = Number(res.headers.get('retry-after'));
      return { ok: false, retry, afterMs: Number.isFinite(after) && after > 0 ? after * 1000 : undefined, why: `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, retry: true, why: (err as Error).message };
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      this.abort.signal.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}
