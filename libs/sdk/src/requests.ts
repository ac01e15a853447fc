import { SwitchboardError } from './errors.js';
import type { AckFrame, ErrorFrame } from './frames.js';

export interface PendingHandlers {
  ack(frame: AckFrame): void;
  error(err: SwitchboardError): void;
  /** The connection dropped before a reply. */
  drop(): void;
}

/** Requests awaiting their `ack`/`error`, by id (incrementing integers, never reused). */
export class Requests {
  private nextId = 1;
  private readonly pending = new Map<number, PendingHandlers>();

  add(handlers: PendingHandlers): number {
    const id = this.nextId++;
    this.pending.set(id, handlers);
    return id;
  }

  remove(id: number): void {
    this.pending.delete(id);
  }

  /** Routes an ack; false when no request has its id. */
  ack(frame: AckFrame): boolean {
    const handlers = this.take(frame.id);
    handlers?.ack(frame);
    return handlers !== undefined;
  }

  /** Routes an error; false when no request has its id. */
  fail(frame: ErrorFrame): boolean {
    const handlers = this.take(frame.id);
    handlers?.error(new SwitchboardError(frame.code, frame.message || frame.code));
    return handlers !== undefined;
  }

  /** Tells every pending request that the connection is gone. */
  dropAll(): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const handlers of all) handlers.drop();
  }

  private take(id: number | null): PendingHandlers | undefined {
    if (id === null) return undefined;
    const handlers = this.pending.get(id);
    this.pending.delete(id);
    return handlers;
  }
}
