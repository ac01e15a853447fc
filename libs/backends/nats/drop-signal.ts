/**
 * Fails the requests in flight when the connection drops. nats.js keeps a request that was
 * written to a server which then died waiting for its full timeout, although the reply can no
 * longer come (the reply subject lived on that connection): a JetStream publish to a killed
 * server would hang 5 s. `race` rejects such requests at once instead; the caller answers
 * "unavailable" and the next request goes through the reconnected connection.
 */
export class DropSignal {
  private readonly waiters = new Set<(error: Error) => void>();

  /** Resolves or rejects like `request`, or rejects as soon as `drop` is called. */
  race<T>(request: Promise<T>): Promise<T> {
    let onDrop: ((error: Error) => void) | undefined;
    const dropped = new Promise<never>((_, reject) => {
      onDrop = reject;
      this.waiters.add(reject);
    });
    return Promise.race([request, dropped]).finally(() => {
      if (onDrop !== undefined) this.waiters.delete(onDrop);
    });
  }

  /** Rejects every request in flight with `error`. */
  drop(error: Error): void {
    for (const reject of this.waiters) reject(error);
    this.waiters.clear();
  }
}
