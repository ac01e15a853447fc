import {
  type Bus,
  type BusHandler,
  type BusOptions,
  type BusState,
  type BusSubscription,
  BusUnavailableError,
  HandlerErrors,
} from '@switchboard/bus';
import { isWildcard, matchTopic } from '@switchboard/protocol';

/**
 * The in-process "broker" that memory buses share. One per process by default; tests create
 * their own to stand for separate clusters.
 */
export class MemoryBroker {
  private readonly exact = new Map<string, Set<Delivery>>();
  private readonly patterns = new Map<string, Set<Delivery>>();

  add(pattern: string, handler: Delivery): void {
    const table = isWildcard(pattern) ? this.patterns : this.exact;
    let handlers = table.get(pattern);
    if (handlers === undefined) {
      handlers = new Set();
      table.set(pattern, handlers);
    }
    handlers.add(handler);
  }

  remove(pattern: string, handler: Delivery): void {
    const table = isWildcard(pattern) ? this.patterns : this.exact;
    const handlers = table.get(pattern);
    if (handlers === undefined) return;
    handlers.delete(handler);
    if (handlers.size === 0) table.delete(pattern);
  }

  deliver(topic: string, payload: Uint8Array): void {
    const handlers = this.exact.get(topic);
    if (handlers !== undefined) for (const handler of handlers) handler.deliver(topic, payload);
    if (this.patterns.size === 0) return;
    for (const [pattern, matching] of this.patterns) {
      if (matchTopic(pattern, topic)) for (const handler of matching) handler.deliver(topic, payload);
    }
  }
}

/** One subscription's handler with the error accounting of the bus that holds it. */
interface Delivery {
  deliver(topic: string, payload: Uint8Array): void;
}

const processBroker = new MemoryBroker();

/**
 * A Bus inside one process: delivery is synchronous, in publish order, and never fails. Its
 * state only goes from `up` to `closed` (there is no broker to lose).
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory';
  private current: BusState = 'up';
  private readonly listeners = new Set<(state: BusState) => void>();
  private readonly owned = new Set<{ pattern: string; handler: Delivery }>();
  private readonly errors: HandlerErrors;

  constructor(
    private readonly broker: MemoryBroker = processBroker,
    options: Pick<BusOptions, 'onHandlerError'> = {},
  ) {
    this.errors = new HandlerErrors(options.onHandlerError);
  }

  get handlerErrors(): number {
    return this.errors.count;
  }

  get state(): BusState {
    return this.current;
  }

  async publish(topic: string, payload: Uint8Array): Promise<void> {
    if (this.current !== 'up') throw new BusUnavailableError(`memory bus is ${this.current}`);
    this.broker.deliver(topic, payload);
  }

  async subscribe(pattern: string, handler: BusHandler): Promise<BusSubscription> {
    if (this.current !== 'up') throw new BusUnavailableError(`memory bus is ${this.current}`);
    const errors = this.errors;
    const delivery: Delivery = { deliver: (topic, payload) => errors.deliver(handler, topic, payload) };
    const entry = { pattern, handler: delivery };
    this.owned.add(entry);
    this.broker.add(pattern, delivery);
    return {
      unsubscribe: async () => {
        if (this.owned.delete(entry)) this.broker.remove(pattern, delivery);
      },
    };
  }

  onStateChange(listener: (state: BusState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const { pattern, handler } of this.owned) this.broker.remove(pattern, handler);
    this.owned.clear();
    this.current = 'closed';
    for (const listener of this.listeners) listener('closed');
  }
}
