import { isAscii, isUtf8 } from 'node:buffer';
import { JsonScanner, JsonSyntaxError, type MemberVisitor, type ValueVisitor } from './json-scan.js';

/**
 * Where a message object's members lie in a publish body, as [start, end) (-1: absent); a
 * repeated key keeps its last value, as JSON.parse does. `dataSpaced`: `data` has whitespace
 * outside its strings.
 */
export class MessageFields {
  topicStart = -1;
  topicEnd = -1;
  dataStart = -1;
  dataEnd = -1;
  dataSpaced = false;
  idStart = -1;
  idEnd = -1;
  encodingStart = -1;
  encodingEnd = -1;
}

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;

/**
 * Reads values that should be message objects, keeping where their members lie (values checked,
 * not decoded). One per body; it is its own callback, so reading makes no closure per message.
 */
class MessageReader implements MemberVisitor, ValueVisitor {
  /** The fields of the value read last; null when it was not an object. */
  fields: MessageFields | null = null;
  private current = new MessageFields();

  constructor(private readonly scanner: JsonScanner) {}

  /** Checks the value at `at` (setting `fields`); returns the index after it. */
  value(at: number): number {
    if (this.scanner.bytes[at] !== OPEN_OBJECT) {
      this.fields = null;
      return this.scanner.value(at);
    }
    this.current = new MessageFields();
    this.fields = this.current;
    return this.scanner.object(at, this);
  }

  member(keyStart: number, keyEnd: number, start: number): number {
    const { scanner, current } = this;
    const end = scanner.value(start);
    if (scanner.keyIs(keyStart, keyEnd, 'data')) {
      current.dataStart = start;
      current.dataEnd = end;
      current.dataSpaced = scanner.spaced;
    } else if (scanner.keyIs(keyStart, keyEnd, 'topic')) {
      current.topicStart = start;
      current.topicEnd = end;
    } else if (scanner.keyIs(keyStart, keyEnd, 'id')) {
      current.idStart = start;
      current.idEnd = end;
    } else if (scanner.keyIs(keyStart, keyEnd, 'encoding')) {
      current.encodingStart = start;
      current.encodingEnd = end;
    }
    return end;
  }
}

/** Reads a batch body: the top-level object's (last) `messages` array, element by element. */
export class BatchReader implements MemberVisitor, ValueVisitor {
  isObject = false;
  /** The `messages` elements, the first `maxMessages` of them; null when there is no such array. */
  messages: (MessageFields | null)[] | null = null;
  /** Elements in `messages`, also past `maxMessages`. */
  count = 0;
  private readonly reader: MessageReader;
  private readonly elements = { value: (at: number) => this.element(at) };

  constructor(
    private readonly scanner: JsonScanner,
    private readonly maxMessages: number,
  ) {
    this.reader = new MessageReader(scanner);
  }

  value(at: number): number {
    if (this.scanner.bytes[at] !== OPEN_OBJECT) return this.scanner.value(at);
    this.isObject = true;
    return this.scanner.object(at, this);
  }

  member(keyStart: number, keyEnd: number, start: number): number {
    const { scanner } = this;
    const isMessages = scanner.keyIs(keyStart, keyEnd, 'messages');
    if (!isMessages || scanner.bytes[start] !== OPEN_ARRAY) {
      if (isMessages) this.messages = null;
      return scanner.value(start);
    }
    this.messages = [];
    this.count = 0;
    return scanner.array(start, this.elements);
  }

  private element(at: number): number {
    // Past the limit the rest is only checked: the batch is refused for its length anyway.
    if (++this.count > this.maxMessages) return this.scanner.value(at);
    const end = this.reader.value(at);
    this.messages?.push(this.reader.fields);
    return end;
  }
}

/** A publish body read in place; `scanner` decodes the texts it points at. */
export interface ReadBody<T> {
  scanner: JsonScanner;
  read: T;
}

/**
 * A scanner over the body, whose bytes are first made UTF-8 if they are not: each bad sequence
 * becomes U+FFFD, as in the decoded text JSON.parse would see.
 */
function scannerFor(body: Buffer): JsonScanner {
  return new JsonScanner(isAscii(body) || isUtf8(body) ? body : Buffer.from(body.toString('utf8')));
}

/** True when the body is exactly one JSON value, read by `reader`. */
function readWhole(scanner: JsonScanner, reader: ValueVisitor): boolean {
  try {
    return scanner.skipWhitespace(reader.value(scanner.skipWhitespace(0))) === scanner.bytes.length;
  } catch (err) {
    if (err instanceof JsonSyntaxError) return false;
    throw err;
  }
}

/** Reads `{"topic":…,"data":…}`: its fields (null for JSON that is not an object); null when the body is not JSON. */
export function readMessageBody(body: Buffer): ReadBody<MessageFields | null> | null {
  const scanner = scannerFor(body);
  const reader = new MessageReader(scanner);
  return readWhole(scanner, reader) ? { scanner, read: reader.fields } : null;
}

/** Reads `{"messages":[…]}`, keeping the fields of at most `maxMessages` messages; null when the body is not JSON. */
export function readBatchBody(body: Buffer, maxMessages: number): ReadBody<BatchReader> | null {
  const scanner = scannerFor(body);
  const reader = new BatchReader(scanner, maxMessages);
  return readWhole(scanner, reader) ? { scanner, read: reader } : null;
}
