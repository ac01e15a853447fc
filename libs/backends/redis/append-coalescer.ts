import type { StreamTip } from '@switchboard/history';
import type { AppendMessage, AppendReply } from './append-script.js';

/** Most messages one script call stores (a larger group is split; the shard runs one script at a time). */
export const MAX_MESSAGES_PER_CALL = 256;

interface Group {
  messages: AppendMessage[];
  resolvers: Array<(tip: StreamTip) => void>;
  rejecters: Array<(error: unknown) => void>;
}

/**
 * Gathers the appends of one topic made during one event-loop turn (the publishes of a batch,
 * or the requests of many connections read in the same turn) and hands them to `send` as ONE
 * script call at the end of the turn (`setImmediate`), instead of one call per message: one
 * command written and parsed, one script run, one reply, for the whole group.
 *
 * Order: a topic's messages are sent in call order, and `send` writes the call to the topic's
 * connection at once, where Redis runs scripts in the order they were sent; so this process's
 * appends to a topic get increasing, consecutive offsets in call order. A call that must come
 * after the topic's waiting appends (an idempotent append) calls `flush(topic)` first.
 */
export class AppendCoalescer {
  private readonly open = new Map<string, Group>();
  private scheduled = false;

  /** `send` stores `messages` (at least one) of `topic` in order and answers the first offset. */
  constructor(private readonly send: (topic: string, messages: AppendMessage[]) => Promise<AppendReply>) {}

  /** Stores `message` on `topic` with the turn's other appends of the topic; resolves with its offset. */
  add(topic: string, message: AppendMessage): Promise<StreamTip> {
    let group = this.open.get(topic);
    if (group === undefined) {
      group = { messages: [], resolvers: [], rejecters: [] };
      this.open.set(topic, group);
    }
    const joined = group;
    const stored = new Promise<StreamTip>((resolve, reject) => {
      joined.resolvers.push(resolve);
      joined.rejecters.push(reject);
    });
    joined.messages.push(message);
    if (joined.messages.length >= MAX_MESSAGES_PER_CALL) this.flush(topic);
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushAll);
    }
    return stored;
  }

  /** Sends the topic's waiting appends now. */
  flush(topic: string): void {
    const group = this.open.get(topic);
    if (group === undefined) return;
    this.open.delete(topic);
    this.dispatch(topic, group);
  }

  private readonly flushAll = (): void => {
    this.scheduled = false;
    const groups = [...this.open];
    this.open.clear();
    for (const [topic, group] of groups) this.dispatch(topic, group);
  };

  private dispatch(topic: string, group: Group): void {
    let sent: Promise<AppendReply>;
    try {
      sent = this.send(topic, group.messages);
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.then(
      ([first, epoch]) => {
        for (let i = 0; i < group.resolvers.length; i++) (group.resolvers[i] as (tip: StreamTip) => void)({ offset: first + i, epoch });
      },
      (err: unknown) => {
        for (const reject of group.rejecters) reject(err);
      },
    );
  }
}
