import { type ClientOptions, createClient, type SwitchboardClient } from '@switchboard/sdk';
import { createContext, createElement, type ReactElement, type ReactNode, useContext, useEffect, useState } from 'react';

/** The client the hooks use. Typed topic maps are erased here; hooks take payload types themselves. */
const SwitchboardContext = createContext<SwitchboardClient | null>(null);

export type SwitchboardProviderProps<Topics extends object> = {
  children?: ReactNode;
} & (
  | {
      /** A client you created: you call `connect()` and `close()` on it. */
      client: SwitchboardClient<Topics>;
      options?: undefined;
    }
  | {
      /** Options for a client the provider owns: it connects on mount and closes on unmount. */
      options: ClientOptions;
      client?: undefined;
    }
);

/** Makes a Switchboard client available to `useTopic`, `usePublish` and `useSwitchboard` below it. */
export function SwitchboardProvider<Topics extends object>(props: SwitchboardProviderProps<Topics>): ReactElement {
  // The provider's own client is created once; later changes of `options` are ignored.
  const [owned] = useState(() => (props.client === undefined ? createClient(props.options) : null));
  useEffect(() => {
    if (owned === null) return;
    void owned.connect().catch(() => undefined); // failures surface as the connection state
    return () => owned.close();
  }, [owned]);
  const client = (props.client ?? owned) as SwitchboardClient | null;
  return createElement(SwitchboardContext.Provider, { value: client }, props.children);
}

/** The client of the nearest `SwitchboardProvider`; throws outside one. */
export function useSwitchboard(): SwitchboardClient {
  const client = useContext(SwitchboardContext);
  if (client === null) throw new Error('useSwitchboard, useTopic and usePublish need a <SwitchboardProvider> above them');
  return client;
}
