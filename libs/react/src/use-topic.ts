import type { ClientState, Message, StreamPosition, SwitchboardError } from '@switchboard/sdk';
import { useEffect, useRef, useState } from 'react';
import { useSwitchboard } from './provider.js';
import { useConnectionState } from './use-connection-state.js';

export interface UseTopicOptions {
  /**
   * Start after this offset (or position): the topic's history after it is replayed first. Read
   * when the hook subscribes (on mount and when `topic` changes), like `SubscribeOptions.since`.
   */
  since?: number | StreamPosition;
}

export interface TopicState<T> {
  /** The newest message delivered on the topic (null until one arrives, and after `topic` changes). */
  message: Message<T> | null;
  /** The connection state of the client. */
  state: ClientState;
  /** Set when the server refused the subscription (it has ended then). */
  error: SwitchboardError | null;
}

/**
 * Subscribes to `topic` (a topic or a pattern) while the component is mounted and returns the
 * newest message and the connection state. The SDK recovers missed messages across reconnects,
 * so after an outage `message` is the newest one published meanwhile. React may batch a burst
 * into one render: this hook shows the latest, not every message (subscribe with the client from
 * `useSwitchboard()` to see each one).
 */
export function useTopic<T = unknown>(topic: string, options: UseTopicOptions = {}): TopicState<T> {
  const client = useSwitchboard();
  const state = useConnectionState();
  const [message, setMessage] = useState<Message<T> | null>(null);
  const [error, setError] = useState<SwitchboardError | null>(null);
  const since = useRef(options.since);
  since.current = options.since;
  useEffect(() => {
    setMessage(null);
    setError(null);
    const start = since.current;
    const subscription = client.subscribe<T>(topic, setMessage, { onError: setError, ...(start === undefined ? {} : { since: start }) });
    return () => subscription.unsubscribe();
  }, [client, topic]);
  return { message, state, error };
}
