import type { StreamTip } from '@switchboard/history';
import type { AppendMessage, AppendReply } from './append-script.js';

/** Most messages one script call stores (a larger group is split; the shard runs one script at a time). */
export const MAX_MESSAGES_PER_CALL = 256;

/** Script calls of one topic in flight at once; appends made meanwhile wait and go out together. */
export const MAX_CALLS_IN_FLIGHT = 1;

interface Group {
  messages: AppendMessage[];
  resolvers: Array<(tip: StreamTip) => void>;
  rejecters: Array<(error: unknown) => void>;
}

interface TopicState {
  /** The appends not sent yet, in call order (null: none). */
  waiting: Group | null;
  /** Calls sent whose reply has not come. */
  inFlight: number;
}

/**
 * Gathers the appends of one topic and hands them to `send` as ONE script call instead of one
 * call per message: one command written and parsed, one script run, one reply, for the whole
 * group. A topic with no call in flight sends at the end of the turn (`setImmediate`); while
 * MAX_CALLS_IN_FLIGHT calls of a topic are in flight, its new appends wait and go out together
 * as soon as a reply comes. So a hot topic sends about one call per Redis round trip (its
 * appends fsynced together, appendfsync always), carrying everything that arrived meanwhile:
 * the cost per call (the command, a socket write that wakes Redis, the reply, a Redis event-loop
 * run and its fsync) is shared by more messages the hotter the topic, and a quiet topic waits
 * for nothing but the end of its turn.
 *
 * Order: a topic's messages are sent in call order, and `send` writes the call to the topic's
 * connection at once, where Redis runs scripts in the order they were sent; so this process's
 * appends to a topic get increasing, consecutive offsets in call order. A call that must come
 * after the topic's waiting appends (an idempotent append) calls `flush(topic)` first, which
 * sends them at once whatever is in flight.
 */
export class AppendCoalescer {
  private readonly topics = new Map<string, TopicState>();
  /** Topics whose waiting appends go out at the end of this turn. */
  private readonly due = new Set<string>();
  private scheduled = false;

  /** `send` stores `messages` (at least one) of `topic` in order and answers the first offset. */
  constructor(private readonly send: (topic: string, messages: AppendMessage[]) => Promise<AppendReply>) {}

  /** Stores `message` on `topic` with the topic's other waiting appends; resolves with its offset. */
  add(topic: string, message: AppendMessage): Promise<StreamTip> {
    let state = this.topics.get(topic);
    if (state === undefined) {
      state = { waiting: null, inFlight: 0 };
      this.topics.set(topic, state);
    }
    let group = state.waiting;
    if (group === null) {
      group = { messages: [], resolvers: [], rejecters: [] };
      state.waiting = group;
    }
    const joined = group;
    const stored = new Promise<StreamTip>((resolve, reject) => {
      joined.resolvers.push(resolve);
      joined.rejecters.push(reject);
    });
    joined.messages.push(message);
    if (joined.messages.length >= MAX_MESSAGES_PER_CALL) this.flush(topic);
    else if (state.inFlight < MAX_CALLS_IN_FLIGHT) this.schedule(topic);
    return stored;
  }

  /** Sends the topic's waiting appends now. */
  flush(topic: string): void {
    const state = this.topics.get(topic);
    if (state === undefined || state.waiting === null) return;
    const group = state.waiting;
    state.waiting = null;
    this.dispatch(topic, state, group);
  }

  private schedule(topic: string): void {
    this.due.add(topic);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushDue);
    }
  }

  private readonly flushDue = (): void => {
    this.scheduled = false;
    const topics = [...this.due];
    this.due.clear();
    for (const topic of topics) {
      // A call sent since (a full group, a flush) holds the rest back until it answers.
      if ((this.topics.get(topic)?.inFlight ?? 0) < MAX_CALLS_IN_FLIGHT) this.flush(topic);
    }
  };

  private dispatch(topic: string, state: TopicState, group: Group): void {
    let sent: Promise<AppendReply>;
    try {
      sent = this.send(topic, group.messages);
    } catch (err) {
      sent = Promise.reject(err);
    }
    state.inFlight++;
    sent.then(
      ([first, epoch]) => {
        this.settled(topic, state);
        for (let i = 0; i < group.resolvers.length; i++) (group.resolvers[i] as (tip: StreamTip) => void)({ offset: first + i, epoch });
      },
      (err: unknown) => {
        this.settled(topic, state);
        for (const reject of group.rejecters) reject(err);
      },
    );
  }

  /** A call of `topic` answered: the appends that waited for it go out now. */
  private settled(topic: string, state: TopicState): void {
    state.inFlight--;
    if (state.waiting !== null) {
      if (state.inFlight < MAX_CALLS_IN_FLIGHT) this.flush(topic);
    } else if (state.inFlight === 0) this.topics.delete(topic);
  }
}
