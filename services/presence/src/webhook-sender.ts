import { createHmac } from 'node:crypto';
import type { UserEvent } from './user-transition.js';

export const SIGNATURE_HEADER = 'x-switchboard-signature';
export const EVENT_ID_HEADER = 'x-switchboard-event-id';

/** `sha256=<hex HMAC-SHA256 of the body>`, the value of X-Switchboard-Signature. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface WebhookOptions {
  url: string;
  /** Null: requests are not signed. */
  secret: string | null;
  /** Events waiting at most; past it the oldest is dropped. */
  queueLimit: number;
  timeoutMs: number;
  /** First retry after `baseBackoffMs` (default 250), doubling up to `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs: number;
  log: { warn(obj: object, msg: string): void };
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
 * Delivers user events to the webhook, one at a time and in order, each POST signed. A failed
 * delivery (network error, timeout, 408, 429, 5xx) is retried with exponential backoff and
 * jitter (honouring Retry-After), so delivery is at-least-once while the process lives; the
 * queue is bounded and drops its oldest event when full.
 */
export class WebhookSender {
  readonly stats: WebhookStats = { delivered: 0, attempts: 0, failures: 0, dropped: 0, rejected: 0 };
  private readonly queue: UserEvent[] = [];
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

  enqueue(event: UserEvent): void {
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
          this.options.log.warn({ event: event.id, why: outcome.why }, 'presence webhook refused an event; dropped');
          break;
        }
        this.stats.failures++;
        const backoff = Math.min(this.options.maxBackoffMs, base * 2 ** Math.min(attempt - 1, 30));
        const wait = Math.min(this.options.maxBackoffMs, Math.max(outcome.afterMs ?? 0, backoff / 2 + Math.random() * (backoff / 2)));
        if (attempt === 1 || attempt % 10 === 0) {
          this.options.log.warn(
            { event: event.id, attempt, why: outcome.why, retryInMs: Math.round(wait) },
            'presence webhook failed; retrying',
          );
        }
        await this.sleep(wait);
      }
      // The queue may have dropped this event meanwhile (overflow): only remove it if still first.
      if (this.queue[0] === event) this.queue.shift();
    }
  }

  private async post(event: UserEvent): Promise<Outcome> {
    const { url, secret, timeoutMs } = this.options;
    const body = JSON.stringify(event);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'switchboard-presence',
      [EVENT_ID_HEADER]: event.id,
    };
    if (secret !== null) headers[SIGNATURE_HEADER] = signBody(secret, body);
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
