/**
 * Every failure of the publisher is a `SwitchboardError` with a `code`: the API's own error code
 * (`bad_request`, `bad_topic`, `unauthorized`, `rate_limited`, `too_large`, `unavailable`,
 * `idempotency_conflict`, `not_found`, …) for an answer of the API, `network` or `timeout` when
 * no answer came. `retryable` says whether the publisher would retry it (it already did, up to
 * `retries` times, before the error reached the caller).
 */
export class SwitchboardError extends Error {
  override readonly name: string = 'SwitchboardError';

  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The API answered with an error status and a `{"error":{"code","message"}}` body. */
export class ApiError extends SwitchboardError {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    code: string,
    message: string,
    /** The `Retry-After` of a 429 or 503, in milliseconds, when the API sent one. */
    readonly retryAfterMs: number | null,
    /** The parsed response body (for a partly accepted batch: `{ error, results }`). */
    readonly body: unknown,
  ) {
    super(code, message, isRetryableStatus(status));
  }
}

/** No answer: connection refused or reset, DNS failure, or no response within `timeoutMs`. */
export class NetworkError extends SwitchboardError {
  override readonly name = 'NetworkError';

  constructor(code: 'network' | 'timeout', message: string, options?: { cause?: unknown }) {
    super(code, message, true, options);
  }
}

/** 429 (rate limited) and 503 (bus unavailable, nothing accepted); 502/504 from a proxy in front. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}
