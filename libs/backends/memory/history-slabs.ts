import type { MessageData } from '@switchboard/protocol';

/** A stored message data: a short text as the string itself, anything else as where its bytes are. */
export type HeldText = string | SlabText;

/**
 * Where one message's data lives: `length` bytes at `start` of a slab (or its own Buffer); the
 * UTF-8 of a JSON text, or the message's bytes when `bytes` is true.
 */
export interface SlabText {
  readonly slab: Slab;
  readonly start: number;
  readonly length: number;
  readonly bytes: boolean;
}

interface Slab {
  readonly buffer: Buffer;
  /** Bytes filled so far (the next text goes here). */
  used: number;
  /** Texts stored in it and not released yet. */
  live: number;
  /** True for a text's own Buffer (not a shared, reusable slab). */
  readonly own: boolean;
}

/** The largest slab: big enough that a slab holds many messages, small against any bound. */
const MAX_SLAB_BYTES = 1024 * 1024;
/** Below this a bound is too small to cut into slabs worth having: every text gets its own Buffer. */
const MIN_SLAB_BYTES = 16 * 1024;
/**
 * Texts shorter than this stay JS strings (counted at their length): copying them would cost
 * more than the garbage they leave, which is of the order of the entry that holds them.
 */
const INLINE_CHARS = 1024;
/** Emptied slabs kept for reuse; past these they are left to the garbage collector. */
const SPARE_SLABS = 4;

/**
 * The memory history's bytes, outside the JS heap: data texts are copied, in append order, into
 * slabs of one size (1/64 of the bound, at most 1 MiB), and a slab whose texts were all released
 * is reused for the next ones. A flood through the bound therefore allocates nothing per
 * message that only a mark-compact could free: no large strings promoted to the old generation
 * and dropped a second later, no external Buffers waiting for V8 to notice them. (History is
 * written in append order and dropped nearly in append order, oldest first, so slabs empty in
 * turn.) A text over a quarter of a slab, or any text when there is no bound, gets a Buffer
 * of its own; one under 1,024 characters stays a string. Bytes messages are held like texts
 * (never inline: their copy is what detaches them from the request or frame they came in).
 *
 * `bytes` is what the arena holds: a slab counts whole while any text in it is held, so a
 * bound on `bytes` bounds the memory even when a few long-lived texts keep slabs open.
 */
export class HistorySlabs {
  private readonly slabBytes: number;
  private current: Slab | null = null;
  private readonly spare: Buffer[] = [];
  private held = 0;
  private made = 0;

  /** `maxBytes`: the bound the owner keeps `bytes` under (slabs are sized from it); none = no slabs. */
  constructor(maxBytes: number | undefined) {
    const slab = maxBytes === undefined ? 0 : Math.min(MAX_SLAB_BYTES, Math.floor(maxBytes / 64));
    this.slabBytes = slab >= MIN_SLAB_BYTES ? slab : 0;
  }

  /** Bytes held: every slab with a text in it (whole, the open one included) and every own Buffer. */
  get bytes(): number {
    return this.held;
  }

  /** Slabs allocated so far (for tests: a flood through the bound reuses them). */
  get allocated(): number {
    return this.made;
  }

  /** Copies the data in: a text's UTF-8 bytes (a short text is kept as it is), or the bytes. */
  store(data: MessageData): HeldText {
    const bytes = typeof data !== 'string';
    if (!bytes && data.length < INLINE_CHARS) {
      this.held += data.length;
      return data;
    }
    const length = bytes ? data.length : Buffer.byteLength(data);
    if (length * 4 > this.slabBytes) {
      const own: Slab = { buffer: Buffer.allocUnsafeSlow(length), used: length, live: 1, own: true };
      copyInto(own.buffer, 0, data, length);
      this.held += length;
      return { slab: own, start: 0, length, bytes };
    }
    let slab = this.current;
    if (slab === null || slab.used + length > this.slabBytes) slab = this.open();
    const start = slab.used;
    copyInto(slab.buffer, start, data, length);
    slab.used += length;
    slab.live++;
    return { slab, start, length, bytes };
  }

  /**
   * The data: a text as a string (a new one unless it was kept as one), bytes as a Buffer of
   * their own (a copy out of a shared slab, which is reused once released).
   */
  read(held: HeldText): MessageData {
    if (typeof held === 'string') return held;
    const end = held.start + held.length;
    if (!held.bytes) return held.slab.buffer.toString('utf8', held.start, end);
    return held.slab.own ? held.slab.buffer : Buffer.from(held.slab.buffer.subarray(held.start, end));
  }

  /** Forgets one stored text (once per `store`); its slab is reused when it holds no other. */
  release(text: HeldText): void {
    if (typeof text === 'string') {
      this.held -= text.length;
      return;
    }
    const slab = text.slab;
    slab.live--;
    if (slab.live > 0) return;
    if (slab.own) {
      this.held -= text.length;
      return;
    }
    if (slab === this.current) {
      slab.used = 0; // still open: refill it from the start
      return;
    }
    this.held -= this.slabBytes;
    if (this.spare.length < SPARE_SLABS) this.spare.push(slab.buffer);
  }

  /** Closes the open slab (freeing it if nothing in it is held) and opens an empty one. */
  private open(): Slab {
    const previous = this.current;
    if (previous !== null && previous.live === 0) {
      this.held -= this.slabBytes;
      this.spare.push(previous.buffer);
    }
    let buffer = this.spare.pop();
    if (buffer === undefined) {
      buffer = Buffer.allocUnsafeSlow(this.slabBytes);
      this.made++;
    }
    const slab: Slab = { buffer, used: 0, live: 0, own: false };
    this.held += this.slabBytes;
    this.current = slab;
    return slab;
  }
}

/** Writes a text's UTF-8 (`length` bytes) or the bytes at `start` of `buffer`. */
function copyInto(buffer: Buffer, start: number, data: MessageData, length: number): void {
  if (typeof data === 'string') buffer.write(data, start, length);
  else buffer.set(data, start);
}
