/** Called for each member of an object `object` walks: checks the value at `at`, returns the index after it. */
export interface MemberVisitor {
  member(keyStart: number, keyEnd: number, at: number): number;
}

/** Called for each element of an array `array` walks (or a value read some other way), as MemberVisitor. */
export interface ValueVisitor {
  value(at: number): number;
}

/** The body is not JSON; the message says what is wrong and at which byte. */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

const isWhitespace = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number | undefined) => c !== undefined && c >= ZERO && c <= NINE;
const isHex = (c: number | undefined) =>
  c !== undefined && ((c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
const LITERALS = [Buffer.from('true'), Buffer.from('false'), Buffer.from('null')];

function fail(at: number, what: string): never {
  throw new JsonSyntaxError(`${what} at byte ${at}`);
}

/**
 * Validates JSON (RFC 8259) in place, over the bytes of a request body, so a publish can keep
 * each message's `data` as the text it was sent in instead of parsing it into JS values and
 * serialising them again: a 60 KB message then costs one string, not a parsed copy, a
 * re-serialised copy and a share of a body-sized string. Nesting depth is bounded only by
 * the body (an explicit stack, no recursion).
 *
 * The bytes must be valid UTF-8 (check with `isUtf8` first); inside strings they are not
 * decoded, only checked for what JSON forbids (control characters, bad escapes).
 *
 * One scanner per body. `spaced` tells whether the last value `value` checked had whitespace
 * inside it (outside its strings).
 */
export class JsonScanner {
  spaced = false;
  /** The closing brackets `value` waits for, innermost last (reused from call to call). */
  private readonly closers: number[] = [];

  constructor(readonly bytes: Buffer) {}

  /** The bytes [start, end) as text (they are valid UTF-8). */
  slice(start: number, end: number): string {
    // A new flat string each time, never a slice of a body-sized one: the store may keep it
    // (a topic as a map key, a short text), and a slice would keep the whole body alive.
    return this.bytes.toString('utf8', start, end);
  }

  /** The index of the first non-whitespace byte at or after `i`. */
  skipWhitespace(i: number): number {
    const b = this.bytes;
    while (isWhitespace(b[i])) i++;
    return i;
  }

  /** Checks the value starting exactly at `i` and returns the index just after it. */
  value(i: number): number {
    const b = this.bytes;
    this.spaced = false;
    const c = b[i];
    if (c === QUOTE) return this.string(i);
    if (c === MINUS || isDigit(c)) return this.number(i);
    if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) return this.literal(i);
    const closers = this.closers;
    closers.length = 0;
    for (;;) {
      const c = b[i];
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        const close = c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
        i = this.interior(i + 1);
        if (b[i] === close) i++;
        else {
          closers.push(close);
          if (close === CLOSE_OBJECT) i = this.key(i);
          continue;
        }
      } else if (c === QUOTE) i = this.string(i);
      else if (c === MINUS || isDigit(c)) i = this.number(i);
      else i = this.literal(i);
      // After a value: close what it ends, or go on after a comma.
      for (;;) {
        const close = closers[closers.length - 1];
        if (close === undefined) return i;
        i = this.interior(i);
        if (b[i] === close) {
          closers.pop();
          i++;
          continue;
        }
        if (b[i] !== COMMA) fail(i, 'expected "," or a closing bracket');
        i = this.interior(i + 1);
        if (close === CLOSE_OBJECT) i = this.key(i);
        break;
      }
    }
  }

  /**
   * Walks the object at `i` ('{'), calling `visitor.member` with each key (the bounds of its string,
   * quotes included: see `keyIs`) and the index of its value; it checks the value and
   * returns the index after it. Returns the index after '}'.
   */
  object(i: number, visitor: MemberVisitor): number {
    const b = this.bytes;
    i = this.skipWhitespace(i + 1);
    if (b[i] === CLOSE_OBJECT) return i + 1;
    for (;;) {
      if (b[i] !== QUOTE) fail(i, 'expected a key');
      const keyStart = i;
      const keyEnd = this.string(i);
      i = this.skipWhitespace(keyEnd);
      if (b[i] !== COLON) fail(i, 'expected ":"');
      i = this.skipWhitespace(visitor.member(keyStart, keyEnd, this.skipWhitespace(i + 1)));
      if (b[i] === CLOSE_OBJECT) return i + 1;
      if (b[i] !== COMMA) fail(i, 'expected "," or "}"');
      i = this.skipWhitespace(i + 1);
    }
  }

  /** True when the checked string at [start, end) stands for `name` (ASCII), without making a string. */
  keyIs(start: number, end: number, name: string): boolean {
    const b = this.bytes;
    if (end - start - 2 === name.length) {
      for (let k = 0; k < name.length; k++) if (b[start + 1 + k] !== name.charCodeAt(k)) return false;
      return true;
    }
    const slash = b.indexOf(BACKSLASH, start);
    return slash !== -1 && slash < end && this.text(start, end) === name;
  }

  /** Walks the array at `i` ('['), calling `visitor.value` for each element as `object` does. Returns the index after ']'. */
  array(i: number, visitor: ValueVisitor): number {
    const b = this.bytes;
    i = this.skipWhitespace(i + 1);
    if (b[i] === CLOSE_ARRAY) return i + 1;
    for (;;) {
      i = this.skipWhitespace(visitor.value(i));
      if (b[i] === CLOSE_ARRAY) return i + 1;
      if (b[i] !== COMMA) fail(i, 'expected "," or "]"');
      i = this.skipWhitespace(i + 1);
    }
  }

  /** The JS string a checked JSON string at [start, end) stands for. */
  text(start: number, end: number): string {
    const raw = this.slice(start + 1, end - 1);
    return raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
  }

  /** The JSON text of a checked value at [start, end), without whitespace outside its strings. */
  compact(start: number, end: number, spaced: boolean): string {
    const b = this.bytes;
    if (!spaced) return this.slice(start, end);
    const out = Buffer.allocUnsafe(end - start);
    let n = 0;
    for (let i = start; i < end; i++) {
      const c = b[i] as number;
      if (isWhitespace(c)) continue;
      out[n++] = c;
      if (c !== QUOTE) continue;
      const close = this.string(i);
      n += b.copy(out, n, i + 1, close);
      i = close - 1;
    }
    return out.toString('utf8', 0, n);
  }

  /** Skips whitespace inside a value, noting that there was some. */
  private interior(i: number): number {
    const after = this.skipWhitespace(i);
    if (after !== i) this.spaced = true;
    return after;
  }

  /** A key and its colon, at `i`; returns the index of its value. */
  private key(i: number): number {
    const b = this.bytes;
    if (b[i] !== QUOTE) fail(i, 'expected a key');
    i = this.interior(this.string(i));
    if (b[i] !== COLON) fail(i, 'expected ":"');
    return this.interior(i + 1);
  }

  /** The string at `i` ('"'); returns the index after its closing quote. */
  private string(i: number): number {
    const b = this.bytes;
    const length = b.length;
    i++;
    for (;;) {
      if (i >= length) fail(i, 'unterminated string');
      const c = b[i] as number;
      if (c === QUOTE) return i + 1;
      if (c < 0x20) fail(i, 'control character in a string');
      if (c !== BACKSLASH) {
        i++;
        continue;
      }
      const e = b[i + 1];
      if (e === 0x75 /* u */) {
        if (!(isHex(b[i + 2]) && isHex(b[i + 3]) && isHex(b[i + 4]) && isHex(b[i + 5]))) fail(i, 'bad \\u escape');
        i += 6;
      } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        i += 2;
      } else fail(i, 'bad escape');
    }
  }

  private number(i: number): number {
    const b = this.bytes;
    if (b[i] === MINUS) i++;
    if (b[i] === ZERO) i++;
    else if (isDigit(b[i])) while (isDigit(b[i])) i++;
    else fail(i, 'bad number');
    if (b[i] === 0x2e /* . */) {
      i++;
      if (!isDigit(b[i])) fail(i, 'bad number');
      while (isDigit(b[i])) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45 /* e E */) {
      i++;
      if (b[i] === 0x2b || b[i] === MINUS) i++;
      if (!isDigit(b[i])) fail(i, 'bad number');
      while (isDigit(b[i])) i++;
    }
    return i;
  }

  private literal(i: number): number {
    for (const word of LITERALS) {
      const end = i + word.length;
      if (end <= this.bytes.length && this.bytes.compare(word, 0, word.length, i, end) === 0) return end;
    }
    fail(i, 'unexpected byte');
  }
}
