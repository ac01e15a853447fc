import type { NatsConnection } from 'nats';

/**
 * Calls `onChange` when a stream gets a new leader or loses its quorum, from JetStream's own
 * advisories. A request the old leader took and never answered (it died) would otherwise wait
 * its whole timeout; the store fails such requests at once instead (see JetStreamPublisher.failAll), so
 * publishes are refused for the election only and succeed as soon as the new leader serves.
 * Returns a function that stops watching.
 */
export function watchStreamLeader(nc: NatsConnection, stream: string, onChange: (event: string) => void): () => void {
  const subs = ['LEADER_ELECTED', 'QUORUM_LOST'].map((event) =>
    nc.subscribe(`$JS.EVENT.ADVISORY.STREAM.${event}.${stream}`, {
      callback: (err) => {
        if (err === null) onChange(event);
      },
    }),
  );
  return () => {
    for (const sub of subs) sub.unsubscribe();
  };
}
