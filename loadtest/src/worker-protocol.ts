/**
 * The IPC messages between the runner (orchestrator) and its client workers. Every request
 * carries an `id`; the worker answers with the same `id`.
 */

/** Which topics connection `i` of a batch subscribes: `topics[(i * perConnection + k) % topics.length]`, k < perConnection. */
export interface SubscriptionSpec {
  topics: string[];
  perConnection: number;
}

export interface ConnectRequest {
  cmd: 'connect';
  id: number;
  /** A name for these connections, so they can be closed apart from the others. */
  group: string;
  host: string;
  port: number;
  path: string;
  count: number;
  /** Connections opening at once (per worker). */
  concurrency: number;
  /** Null: only open (and wait for `welcome`), no subscription. */
  subscriptions: SubscriptionSpec | null;
  /** Bound on the whole batch. */
  timeoutMs: number;
}

/** Resolves once this worker counted `count` message deliveries since the last reset (bounded). */
export interface ExpectRequest {
  cmd: 'expect';
  id: number;
  count: number;
  timeoutMs: number;
}

export interface SimpleRequest {
  cmd: 'reset' | 'stats';
  id: number;
}

/** Closes the connections of `group` (all when null). */
export interface CloseRequest {
  cmd: 'close';
  id: number;
  group: string | null;
}

export type WorkerRequest = ConnectRequest | ExpectRequest | SimpleRequest | CloseRequest;

export interface ConnectReply {
  id: number;
  opened: number;
  failed: number;
  /** Wall time of the batch in ms, from the first connect to the last ready connection. */
  elapsedMs: number;
  firstError: string | null;
}

export interface ExpectReply {
  id: number;
  deliveries: number;
  /** False when the count was not reached in time. */
  reached: boolean;
}

export interface StatsReply {
  id: number;
  /** `message` frames received since the last reset. */
  deliveries: number;
  /** Latency of each of them (µs, publish timestamp to receipt), hdr-histogram compressed base64. */
  histogram: string;
  /** Connections open now, and connections closed by the server since the start. */
  open: number;
  closedByServer: number;
  /** Frames that were not understood (should stay 0). */
  protocolErrors: number;
}

export interface DoneReply {
  id: number;
}

export type WorkerReply = ConnectReply | ExpectReply | StatsReply | DoneReply;
