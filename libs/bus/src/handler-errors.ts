import type { BusHandler } from './bus.js';

/** Told about an exception a subscription handler threw; the bus goes on delivering. */
export type HandlerErrorReporter = (error: unknown, topic: string) => void;

/** The reporter a bus uses when none is given: one line on stderr (services pass their logger). */
export const reportHandlerErrorToStderr: HandlerErrorReporter = (error, topic) => {
  console.error(`bus handler for ${topic} threw`, error);
};

/**
 * What every Bus does with a handler that throws: the exception is counted and reported, and
 * delivery goes on to the other handlers and to later messages. It never escapes into the
 * broker client's reader loop (which would stop every subscription) nor becomes an uncaught
 * exception (which would end the process).
 */
export class HandlerErrors {
  /** Exceptions thrown by handlers since the bus was created. */
  count = 0;

  constructor(private readonly report: HandlerErrorReporter = reportHandlerErrorToStderr) {}

  /** Calls `handler`; a throw is counted and reported instead of propagating. */
  deliver(handler: BusHandler, topic: string, payload: Uint8Array): void {
    try {
      handler(topic, payload);
    } catch (error) {
      this.count++;
      try {
        this.report(error, topic);
      } catch {
        // a reporter that throws must not break delivery either
      }
    }
  }
}
