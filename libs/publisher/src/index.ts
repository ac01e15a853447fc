export { fullJitter, parseRetryAfter } from './backoff.js';
export { ApiError, NetworkError, SwitchboardError } from './errors.js';
export { createPublisher, type Publisher } from './publisher.js';
export type * from './types.js';
