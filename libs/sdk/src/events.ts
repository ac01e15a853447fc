import type { SwitchboardError } from './errors.js';
import { reportAsync } from './errors.js';

/**
 * A connection attempt starts. `attempt`: 0 for the first attempt after `connect()`, else the
 * number of failed attempts and dropped connections since the last `welcome`.
 */
export interface ConnectingEvent {
  attempt: number;
}

/** The server's `welcome`. */
export interface ConnectedEvent {
  session: string;
  node: string;
  /** Server ping interval in milliseconds (0 when the server sends none). */
  heartbeat: number;
}

/** A socket closed (or a connection attempt failed). */
export interface DisconnectedEvent {
  code: number;
  reason: string;
  /** False after `close()` and after close codes that mean "don't retry". */
  willReconnect: boolean;
  /** Delay before the next attempt, when `willReconnect`. */
  retryInMs: number | null;
}

/** A resubscription with `since` was acknowledged; `recovered: false` means messages were lost. */
export interface RecoveredEvent {
  topic: string;
  recovered: boolean;
}

export interface ClientEvents {
  connecting: ConnectingEvent;
  connected: ConnectedEvent;
  disconnected: DisconnectedEvent;
  recovered: RecoveredEvent;
  error: SwitchboardError;
}

export type ClientEventName = keyof ClientEvents;
export type Listener<T> = (event: T) => void;

/** A minimal typed event emitter; a listener that throws does not disturb the others. */
export class Emitter<Events extends object> {
  private readonly listeners: { [K in keyof Events]?: Set<Listener<Events[K]>> } = {};

  constructor(private readonly report: (err: unknown) => void = reportAsync) {}

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners[event];
    if (set === undefined) {
      set = new Set();
      this.listeners[event] = set;
    }
    // Wrapped so that the same function can be added twice and removed once per handle.
    const entry: Listener<Events[K]> = (payload) => listener(payload);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners[event];
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        listener(payload);
      } catch (err) {
        this.report(err);
      }
    }
  }
}
