/**
 * Per-socket write coalescing. Frames sent during one event-loop turn are queued, and once per
 * turn (in a `setImmediate`) each socket that got any writes them all with ONE system call
 * (`cork()`, a write per frame, `uncork()`: one `writev`). A burst of 200 messages to 2,000
 * subscribers costs 2,000 writes instead of 400,000, and most of a server's cost per delivery
 * is the kernel's per-write work. (Measured against joining each socket's frames into one
 * buffer: that costs more, in the copies and the big short-lived buffers; and against flushing
 * in a microtask: that runs between the awaits of one batch, so nothing is coalesced. See
 * docs/benchmarks.md.)
 *
 * The queue is shared by every socket of the process: two flat arrays (the frames, and for each
 * the index of its socket's next one) that grow to the busiest turn's size and are emptied by
 * the flush, so queueing a frame for a subscriber allocates nothing. Each owner keeps only the
 * head and tail of its chain and its byte count. A socket's queue is bounded: at FLUSH_AT_BYTES
 * it is written at once.
 */

/** What owns a queue: a transport over one socket. */
export interface QueueOwner {
  /** Index of the first and last queued frame in this turn's table; -1 when nothing is queued. */
  queueHead: number;
  queueTail: number;
  /** Bytes queued and not yet written (count toward the send-buffer limit). */
  queuedBytes: number;
  /** Writes one frame to the socket; between `cork()` and `uncork()` when there are several. */
  writeOut(frame: Buffer): void;
  cork(): void;
  uncork(): void;
}

/**
 * An owner's queue is written at once when it reaches this many bytes: bigger writes gain nothing
 * more, and the queue stays small, so the send-buffer limit keeps measuring what the kernel would
 * not take (the socket's own buffer), not this turn's staging.
 */
export const FLUSH_AT_BYTES = 64 * 1024;

/** Frames queued this turn, and for each the index of the next frame of the same owner (-1: last). */
const frames: Buffer[] = [];
const nextOf: number[] = [];
/** Owners with something queued this turn, in the order they first got something. */
const dirty: QueueOwner[] = [];
let scheduled = false;

/** Queues `frame` for `owner`; it is written at the end of this event-loop turn (or at FLUSH_AT_BYTES). */
export function enqueue(owner: QueueOwner, frame: Buffer): void {
  const index = frames.length;
  frames.push(frame);
  nextOf.push(-1);
  if (owner.queueHead < 0) {
    owner.queueHead = index;
    dirty.push(owner);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flushAll);
    }
  } else {
    nextOf[owner.queueTail] = index;
  }
  owner.queueTail = index;
  owner.queuedBytes += frame.length;
  if (owner.queuedBytes >= FLUSH_AT_BYTES) flushOwner(owner);
}

/**
 * Writes what `owner` has queued now (before a close, so queued frames go out ahead of the
 * close frame). A no-op when nothing is queued.
 */
export function flushOwner(owner: QueueOwner): void {
  let index = owner.queueHead;
  if (index < 0) return;
  owner.queueHead = -1;
  owner.queueTail = -1;
  owner.queuedBytes = 0;
  if (nextOf[index] === -1) {
    owner.writeOut(frames[index] as Buffer);
    return;
  }
  owner.cork();
  try {
    while (index >= 0) {
      owner.writeOut(frames[index] as Buffer);
      index = nextOf[index] as number;
    }
  } finally {
    owner.uncork();
  }
}

/** The once-per-turn flush: every dirty owner's frames, then the tables start over. */
function flushAll(): void {
  let i = 0;
  try {
    // An owner queued to during the flush (or flushed early) is visited again: flushOwner is idempotent.
    for (; i < dirty.length; i++) flushOwner(dirty[i] as QueueOwner);
  } finally {
    // Only if a write threw: the owners not reached lose this turn's frames rather than point into emptied tables.
    for (; i < dirty.length; i++) {
      const owner = dirty[i] as QueueOwner;
      owner.queueHead = -1;
      owner.queueTail = -1;
      owner.queuedBytes = 0;
    }
    dirty.length = 0;
    frames.length = 0;
    nextOf.length = 0;
    scheduled = false;
  }
}
