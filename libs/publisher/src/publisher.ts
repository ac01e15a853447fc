import { randomUUID } from 'node:crypto';
import { fullJitter, parseRetryAfter, type RetryDelays } from './backoff.js';
import { ApiError, SwitchboardError } from './errors.js';
import { type HttpAnswer, type HttpCall, Transport } from './transport.js';
import type {
  BatchMessage,
  HistoryOptions,
  HistoryPage,
  PresenceSummary,
  PublisherOptions,
  PublishOptions,
  PublishResult,
  TopicPresence,
} from './types.js';

/** The Switchboard publish API as a typed client. Create one per process and reuse it. */
export interface Publisher {
  /**
   * Publishes one message (`data`: any JSON value, or bytes as a Uint8Array, sent as
   * `application/octet-stream`). Resolves once the API accepted it (stored and handed to the
   * bus); retries are safe because every attempt carries the same idempotency key. Rejects with
   * an ApiError (its `code` is the API's) or a NetworkError.
   */
  publish(topic: string, data: unknown, options?: PublishOptions): Promise<PublishResult>;
  /** Publishes messages in order, in one request; each message keeps its id across retries. */
  publishBatch(messages: readonly BatchMessage[]): Promise<PublishResult[]>;
  /** A page of the topic's history. */
  history<T = unknown>(topic: string, options?: HistoryOptions): Promise<HistoryPage<T>>;
  /** Cluster-wide counts (no topic) or one topic's subscribers and users. */
  presence(): Promise<PresenceSummary>;
  presence(topic: string): Promise<TopicPresence>;
  /** Closes idle keep-alive connections. The publisher must not be used afterwards. */
  close(): void;
}

const DEFAULTS = { timeoutMs: 10_000, retries: 4, retryBaseMs: 100, retryMaxMs: 5000, maxRetryAfterMs: 60_000 };

export function createPublisher(options: PublisherOptions): Publisher {
  return new HttpPublisher(options);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class HttpPublisher implements Publisher {
  private readonly transport: Transport;
  private readonly retries: number;
  private readonly delays: RetryDelays;
  private readonly maxRetryAfterMs: number;
  private readonly auth: Record<string, string>;

  constructor(options: PublisherOptions) {
    const retries = options.retries ?? DEFAULTS.retries;
    if (!Number.isInteger(retries) || retries < 0) throw new RangeError('retries must be an integer ≥ 0');
    const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
    this.transport = new Transport(options.url, timeoutMs);
    this.retries = retries;
    this.delays = { baseMs: options.retryBaseMs ?? DEFAULTS.retryBaseMs, maxMs: options.retryMaxMs ?? DEFAULTS.retryMaxMs };
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs;
    this.auth = options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` };
  }

  async publish(topic: string, data: unknown, options: PublishOptions = {}): Promise<PublishResult> {
    const key = options.idempotencyKey ?? randomUUID();
    if (data instanceof Uint8Array) {
      const path = `/v1/publish?topic=${encodeURIComponent(topic)}`;
      return (await this.call({ method: 'POST', path, headers: { 'idempotency-key': key }, body: data })) as PublishResult;
    }
    const body = JSON.stringify({ topic, data });
    if (body === undefined) throw new TypeError('data must be JSON-serialisable');
    const answer = await this.call({ method: 'POST', path: '/v1/publish', headers: { 'idempotency-key': key }, body });
    return answer as PublishResult;
  }

  async publishBatch(messages: readonly BatchMessage[]): Promise<PublishResult[]> {
    const withIds = messages.map((m) => {
      const id = m.id ?? randomUUID();
      if (!(m.data instanceof Uint8Array)) return { topic: m.topic, data: m.data, id };
      const base64 = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).toString('base64');
      return { topic: m.topic, data: base64, encoding: 'base64', id };
    });
    const answer = (await this.call({ method: 'POST', path: '/v1/publish/batch', body: JSON.stringify({ messages: withIds }) })) as {
      results: PublishResult[];
    };
    return answer.results;
  }

  async history<T = unknown>(topic: string, options: HistoryOptions = {}): Promise<HistoryPage<T>> {
    const query = new URLSearchParams({ since: String(options.since ?? 0), limit: String(options.limit ?? 100) });
    const path = `/v1/topics/${encodeURIComponent(topic)}/history?${query}`;
    const page = (await this.call({ method: 'GET', path })) as HistoryPage<T>;
    for (const m of page.messages as Array<{ data: unknown; encoding?: string }>) {
      if (m.encoding === 'base64' && typeof m.data === 'string') {
        const bytes = Buffer.from(m.data, 'base64');
        m.data = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        delete m.encoding;
      }
    }
    return page;
  }

  presence(): Promise<PresenceSummary>;
  presence(topic: string): Promise<TopicPresence>;
  async presence(topic?: string): Promise<PresenceSummary | TopicPresence> {
    const path = topic === undefined ? '/v1/presence' : `/v1/presence/topics/${encodeURIComponent(topic)}`;
    return (await this.call({ method: 'GET', path })) as PresenceSummary | TopicPresence;
  }

  close(): void {
    this.transport.close();
  }

  /**
   * One API call with retries: network errors, 429 and 503 (also 502/504 from a proxy) are
   * retried after a full-jitter delay, or after `Retry-After` when the API sent one. Resolves
   * with the 2xx body; rejects with the last error.
   */
  private async call(call: HttpCall): Promise<unknown> {
    const request = { ...call, headers: { ...this.auth, ...call.headers } };
    for (let attempt = 0; ; attempt++) {
      let error: SwitchboardError;
      try {
        const answer = await this.transport.call(request);
        if (answer.status >= 200 && answer.status < 300) return answer.body;
        error = toApiError(answer);
      } catch (err) {
        if (!(err instanceof SwitchboardError)) throw err;
        error = err;
      }
      if (!error.retryable || attempt >= this.retries) throw error;
      const retryAfter = error instanceof ApiError ? error.retryAfterMs : null;
      if (retryAfter !== null && retryAfter > this.maxRetryAfterMs) throw error;
      await sleep(retryAfter ?? fullJitter(attempt, this.delays));
    }
  }
}

function toApiError(answer: HttpAnswer): ApiError {
  const body = answer.body;
  const detail =
    typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'object' && body.error !== null
      ? (body.error as { code?: unknown; message?: unknown })
      : {};
  const code = typeof detail.code === 'string' ? detail.code : `http_${answer.status}`;
  const message = typeof detail.message === 'string' ? detail.message : `HTTP ${answer.status}`;
  const retryAfter = answer.headers['retry-after'];
  return new ApiError(answer.status, code, message, parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter), body);
}
