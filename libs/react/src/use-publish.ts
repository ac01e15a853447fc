import type { PublishResult } from '@switchboard/sdk';
import { useCallback } from 'react';
import { useSwitchboard } from './provider.js';

/** A publish function: the client's `publish` (not queued: rejects with `unavailable` while disconnected). */
export type Publish = (topic: string, data: unknown) => Promise<PublishResult>;

/** Returns a stable function that publishes through the provider's client. */
export function usePublish(): Publish {
  const client = useSwitchboard();
  return useCallback<Publish>((topic, data) => client.publish(topic, data), [client]);
}
