import type { HistoryLimits } from '@switchboard/history';
import { DiscardPolicy, nanos, RetentionPolicy, StorageType, type StreamConfig, type StreamInfo } from 'nats';

/**
 * The history stream exists with settings this process was not started with. A start-up
 * error (one line naming the variable, like any bad setting: `name` is `ConfigError`), since
 * silently adopting them would leave the operator believing in a replication that is not there.
 */
export class StreamSettingsError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Checks an existing history stream against HISTORY_REPLICAS. Replicas are set when the stream
 * is created; a stream created with another count (e.g. R1 before the cluster grew) stops the
 * process with the command that migrates it (JetStream re-replicates a stream in place).
 * HISTORY_SIZE is not checked here: the store adopts it at start-up (see JetStreamHistory).
 */
export function checkStreamSettings(info: StreamInfo, replicas: number): void {
  const actual = info.config.num_replicas || 1;
  if (actual === replicas) return;
  throw new StreamSettingsError(
    `invalid HISTORY_REPLICAS (got "${replicas}"): JetStream stream ${info.config.name} has ${actual} replica(s); ` +
      `set HISTORY_REPLICAS=${actual}, or migrate it with \`nats stream edit ${info.config.name} --replicas ${replicas}\` and restart`,
  );
}

/** The history stream's configuration (see JetStreamHistory for the layout and why). */
export type HistoryStreamConfig = Partial<StreamConfig> &
  Pick<StreamConfig, 'max_msgs_per_subject' | 'max_bytes' | 'duplicate_window' | 'republish'>;

export function historyStreamConfig(options: {
  name: string;
  subjectPrefix: string;
  /** Where stored messages are republished: `<subjectPrefix>>` maps to `<republishPrefix>>`. */
  republishPrefix: string;
  limits: HistoryLimits;
  replicas: number;
  /** The duplicate window: IDEMPOTENCY_TTL_MS, at least the appender's own need. */
  duplicateWindowMs: number;
}): HistoryStreamConfig {
  return {
    name: options.name,
    subjects: [`${options.subjectPrefix}>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_msgs_per_subject: options.limits.size,
    // HISTORY_MAX_BYTES: the stream drops its oldest messages (any topic) past it.
    max_bytes: options.limits.maxBytes ?? -1,
    max_age: 0,
    num_replicas: options.replicas,
    allow_direct: true,
    duplicate_window: nanos(options.duplicateWindowMs),
    republish: { src: `${options.subjectPrefix}>`, dest: `${options.republishPrefix}>` },
  };
}

/**
 * The settings a starting process adopts on an existing stream (the latest started process
 * wins): HISTORY_SIZE, HISTORY_MAX_BYTES, the duplicate window, direct gets, and the republish
 * of stored messages onto the bus's subjects.
 */
export function adoptedSettings(wanted: HistoryStreamConfig): Partial<StreamConfig> {
  return {
    max_msgs_per_subject: wanted.max_msgs_per_subject,
    max_bytes: wanted.max_bytes,
    allow_direct: true,
    duplicate_window: wanted.duplicate_window,
    republish: wanted.republish,
  };
}

export function adoptedSettingsDiffer(current: StreamConfig, wanted: HistoryStreamConfig): boolean {
  return (
    current.max_msgs_per_subject !== wanted.max_msgs_per_subject ||
    current.allow_direct !== true ||
    current.max_bytes !== wanted.max_bytes ||
    current.duplicate_window !== wanted.duplicate_window ||
    current.republish?.src !== wanted.republish?.src ||
    current.republish?.dest !== wanted.republish?.dest ||
    current.republish?.headers_only === true
  );
}
