/** A broker started for a test: where to reach it and how to hurt it. */
export interface BrokerHandle {
  /** `redis://…`, `redis-cluster://…,…` or `nats://…`: a valid BUS_URL. */
  url: string;
  /** Where the server came from: `env`, `binary` or `container`. */
  source: 'env' | 'binary';
  /** Stops it gracefully (and for good). */
  stop(): Promise<void>;
  /** kill -9. */
  kill(): Promise<void>;
  /** Starts it again on the same address, with the data it had persisted. */
  restart(): Promise<void>;
}

/** No server could be had: no env URL and no local binary (and no Docker engine). */
export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';
}

/** A broker given by URL: the test may use it but not kill or restart it. */
export function externalBroker(url: string): BrokerHandle {
  const refuse = async () => {
    throw new Error(`cannot kill or restart the external broker at ${url} (unset its env variable to let the testkit start one)`);
  };
  return { url, source: 'env', stop: async () => undefined, kill: refuse, restart: refuse };
}
