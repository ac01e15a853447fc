/** Error codes of the contract's `error` frames, plus whatever a newer server may add. */
export type ErrorCode =
  | 'bad_request'
  | 'bad_topic'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'too_large'
  | 'too_many_subscriptions'
  | 'unavailable';

/** Every error the SDK reports: `code` is the contract code (`unavailable` for connection loss). */
export class SwitchboardError extends Error {
  override readonly name = 'SwitchboardError';
  /** The subscription's topic, for subscription refusals. */
  topic: string | null = null;

  constructor(
    readonly code: ErrorCode | (string & {}),
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Close codes after which the client stops (4001 only when it has no `getToken`). */
const CLOSE_ERRORS: Record<number, ErrorCode> = {
  1008: 'forbidden',
  4001: 'unauthorized',
  4003: 'forbidden',
  4400: 'bad_request',
};

export function closeError(code: number, reason: string): SwitchboardError {
  const text = reason === '' ? `connection closed (${code})` : `connection closed (${code}: ${reason})`;
  return new SwitchboardError(CLOSE_ERRORS[code] ?? 'unavailable', text);
}

export function unavailable(message: string): SwitchboardError {
  return new SwitchboardError('unavailable', message);
}

/** Rethrows outside the SDK's own call stack (an application callback threw): the default reporter. */
export function reportAsync(err: unknown): void {
  setTimeout(() => {
    throw err;
  }, 0);
}
