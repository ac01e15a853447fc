/** A place in one key's order, reserved by `OrderedRelease.reserve`. */
export interface Slot {
  /** The work to run once every earlier slot of the key has run (unset: not ready yet). */
  work: (() => void) | null;
  next: Slot | null;
}

interface Line {
  head: Slot;
  tail: Slot;
}

/**
 * Runs work in reservation order per key, each piece as soon as it is ready and everything
 * reserved before it has run.
 *
 * The Publisher reserves a slot per message before its append starts (call order is offset
 * order) and marks it ready when the append settles. A ready slot at the head runs at once, in
 * the same turn, and with it every ready slot behind it: acks that arrive together are handed
 * to the bus in one synchronous run, so a broker client that flushes once per microtask (nats.js)
 * writes them in one socket write instead of one write each a microtask apart, which chaining
 * each message on the previous one's promise did.
 */
const done = (): void => undefined;

export class OrderedRelease {
  private readonly lines = new Map<string, Line>();

  /** Reserves the next place in `key`'s order. */
  reserve(key: string): Slot {
    const slot: Slot = { work: null, next: null };
    const line = this.lines.get(key);
    if (line === undefined) this.lines.set(key, { head: slot, tail: slot });
    else {
      line.tail.next = slot;
      line.tail = slot;
    }
    return slot;
  }

  /**
   * `slot` may run `work`: now, when every earlier slot of `key` has run, else right after the
   * last of them. `work` must not throw (a throw is swallowed so the line keeps moving).
   */
  ready(key: string, slot: Slot, work: () => void): void {
    slot.work = work;
    const line = this.lines.get(key);
    if (line === undefined || line.head !== slot) return;
    // The next slot is read after running one: work may reserve and ready slots behind it.
    let current: Slot | null = slot;
    while (current !== null && current.work !== null) {
      line.head = current;
      const run: () => void = current.work;
      current.work = done;
      try {
        run();
      } catch {
        // documented: work does not throw; the order outlives a broken piece
      }
      current = current.next;
    }
    if (current === null) this.lines.delete(key);
    else line.head = current;
  }

  /** Keys with slots not yet run. */
  get size(): number {
    return this.lines.size;
  }
}
