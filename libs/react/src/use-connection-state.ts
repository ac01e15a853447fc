import type { ClientState } from '@switchboard/sdk';
import { useCallback, useSyncExternalStore } from 'react';
import { useSwitchboard } from './provider.js';

/** The client's connection state (`idle`, `connecting`, `connected`, `reconnecting`, `closed`), re-rendering on change. */
export function useConnectionState(): ClientState {
  const client = useSwitchboard();
  const subscribe = useCallback(
    (onChange: () => void) => {
      const offs = [client.on('connecting', onChange), client.on('connected', onChange), client.on('disconnected', onChange)];
      return () => {
        for (const off of offs) off();
      };
    },
    [client],
  );
  return useSyncExternalStore(subscribe, () => client.state);
}
