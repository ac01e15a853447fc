import { CloseCode, type ControlFrame, ErrorCode, type StreamPosition, type SubscribeAckFrame } from '@switchboard/protocol';
import type { OutboundMessage } from '../outbound-message.js';
import type { Transport } from '../transport.js';

/** The answer a poll ends with. */
export interface PollAnswer {
  status: number;
  body: Buffer;
}

/** Where the client stands on one topic after this answer: the `since` of its next poll. */
interface Position {
  offset: number | null;
  epoch: string | null;
  /** False when `since` was older than the history kept (a gap the client must know about). */
  recovered?: boolean;
}

interface TopicState {
  position: Position | null;
  /** The client's `since` offset, the floor of the position. */
  since: number | null;
  /** The last offset put in this answer. */
  last: number | null;
  /** A message of this topic did not fit the answer: later ones are left out too (the next poll gets them). */
  cut: boolean;
}

/** `{"op":"message",` … : what a message element drops of the WebSocket frame. */
const OP_PREFIX = Buffer.from('{"op":"message",');
const OPEN_BRACE = Buffer.from('{');
/** How long an answer that is due may wait for its subscribes to complete. */
const SUBSCRIBE_BOUND_MS = 10_000;
const HEAD = Buffer.from('{"messages":[');
const COMMA = Buffer.from(',');
const ERROR_STATUS: Record<string, number> = {
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.Unavailable]: 503,
};

/** A message as an element of the answer's list: its pieces (views, no copy) and their size. */
interface Element {
  parts: Buffer[];
  length: number;
}

/**
 * A message's element: its JSON `message` frame without its `op` (a view, no copy): the text
 * frame itself, or for bytes the shared base64 form with `"encoding":"base64"`.
 */
function messageElement(message: OutboundMessage): Element {
  const json = message.kind === 'text' ? message.payload : message.json;
  const frame = Buffer.isBuffer(json) ? json : Buffer.from(json.buffer, json.byteOffset, json.byteLength);
  const parts = frame.subarray(0, OP_PREFIX.length).equals(OP_PREFIX) ? [OPEN_BRACE, frame.subarray(OP_PREFIX.length)] : [frame];
  return { parts, length: frame.length };
}

const errorAnswer = (status: number, code: string, message: string): PollAnswer => ({
  status,
  body: Buffer.from(JSON.stringify({ error: { code, message } })),
});

/**
 * One `GET /poll` as a Transport for a short-lived Session: it takes the acks of the session's
 * subscribes (the topics' positions), the missed messages catch-up sends, and live messages;
 * then it answers once: as soon as every topic is acked and at least one message is in (on the
 * next turn of the event loop, so messages of the same turn go together), or when `waitMs`
 * passes, or at once on drain. A message element is the WebSocket frame without its `op` (no
 * copy of the payload). The answer holds at most `maxBytes` of messages: a topic whose message
 * does not fit is cut there and its position says so, so the next poll continues gap-free.
 */
export class PollTransport implements Transport {
  private readonly topics = new Map<string, TopicState>();
  private readonly parts: Buffer[] = [];
  private bytes = 0;
  private acked = 0;
  private done = false;
  private flushing = false;
  /** The wait is over (or the edge drains) but a topic is not acked yet: answer once it is. */
  private due = false;
  private timer: NodeJS.Timeout;

  constructor(
    topics: readonly string[],
    since: ReadonlyMap<string, StreamPosition>,
    waitMs: number,
    private readonly maxBytes: number,
    /** Receives the one answer. */
    private readonly onAnswer: (answer: PollAnswer) => void,
  ) {
    for (const topic of topics) this.topics.set(topic, { position: null, since: since.get(topic)?.offset ?? null, last: null, cut: false });
    this.timer = setTimeout(() => this.answer(), waitMs);
    this.timer.unref();
  }

  /** Every topic is acked: an answer may go out. */
  private get ready(): boolean {
    return this.acked === this.topics.size;
  }

  send(frame: ControlFrame): void {
    if (this.done) return;
    switch (frame.op) {
      case 'reconnect':
        this.answer();
        return;
      case 'error':
        this.finish(errorAnswer(ERROR_STATUS[frame.code] ?? 400, frame.code, frame.message));
        return;
      case 'ack':
        // A subscribe's ack carries the topic's position; other acks (publish, unsubscribe) cannot occur here.
        if ('topic' in frame && 'epoch' in frame) this.noteAck(frame);
        return;
      case 'welcome':
      case 'ping':
        // Welcome: the session lifecycle subscribes next; ping: the answer is bounded by its wait.
        return;
    }
  }

  private noteAck(frame: SubscribeAckFrame): void {
    const state = this.topics.get(frame.topic);
    if (state === undefined || state.position !== null) return;
    state.position = { offset: frame.offset, epoch: frame.epoch, ...(frame.recovered === false ? { recovered: false } : {}) };
    this.acked++;
    if (this.ready && (this.parts.length > 0 || this.due)) this.flushSoon();
  }

  sendMessage(message: OutboundMessage): void {
    if (this.done) return;
    const topic = message.topic;
    const state = topic === null ? undefined : this.topics.get(topic);
    if (state?.cut === true) return;
    const element = messageElement(message);
    if (this.bytes + element.length > this.maxBytes && this.parts.length > 0) {
      if (state !== undefined) state.cut = true;
      this.flushSoon();
      return;
    }
    if (this.parts.length > 0) this.parts.push(COMMA);
    this.parts.push(...element.parts);
    this.bytes += element.length;
    const offset = message.offset;
    if (state !== undefined && offset !== null) state.last = offset;
    if (this.ready) this.flushSoon();
  }

  /** Always 0: the answer's size is bounded here (maxBytes), so fan-out never cuts a poll. */
  get bufferedBytes(): number {
    return 0;
  }

  /** At once: nothing is ever buffered (see bufferedBytes), so a replay never waits on a poll. */
  drained(_maxWaitMs: number): Promise<void> {
    return Promise.resolve();
  }

  close(code: number, reason: string): void {
    if (this.done) return;
    if (code === CloseCode.Unauthorized) this.finish(errorAnswer(401, ErrorCode.Unauthorized, reason));
    else if (code === CloseCode.Forbidden) this.finish(errorAnswer(403, ErrorCode.Forbidden, reason));
    else if (code === CloseCode.RateLimited) this.finish(errorAnswer(429, ErrorCode.RateLimited, reason));
    else if (this.ready) this.answer();
    // Closed while subscribing (drain, shutdown, client gone): those subscribes will never ack.
    else this.finish(errorAnswer(503, ErrorCode.Unavailable, reason));
  }

  private flushSoon(): void {
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => this.answer());
  }

  /** Answers with what is here (an empty list when nothing came), or 503 if a topic was never acked. */
  private answer(): void {
    if (this.done) return;
    if (!this.ready) {
      // Subscribing (auth, bus, history) is still under way: answer when it is done, within a bound.
      if (this.due) return;
      this.due = true;
      clearTimeout(this.timer);
      this.timer = setTimeout(
        () => this.finish(errorAnswer(503, ErrorCode.Unavailable, 'not subscribed in time; retry')),
        SUBSCRIBE_BOUND_MS,
      );
      this.timer.unref();
      return;
    }
    const positions: Record<string, Position> = {};
    for (const [topic, state] of this.topics) {
      const p = state.position as Position;
      // Cut: the client has up to what it got (its since, or the tip when it gave none: catch-up
      // sent nothing older then). Otherwise the newest of the tip and what it got.
      let offset: number | null;
      if (state.cut) offset = state.last ?? state.since ?? p.offset;
      else offset = p.offset === null ? state.last : Math.max(p.offset, state.last ?? 0);
      positions[topic] = { ...p, offset };
    }
    const body = Buffer.concat([HEAD, ...this.parts, Buffer.from(`],"positions":${JSON.stringify(positions)}}`)]);
    this.finish({ status: 200, body });
  }

  private finish(answer: PollAnswer): void {
    this.done = true;
    clearTimeout(this.timer);
    this.parts.length = 0;
    this.onAnswer(answer);
  }
}
