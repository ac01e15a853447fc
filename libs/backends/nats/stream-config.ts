import type { StreamInfo } from 'nats';

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
