import { MAX_RECORD_MESSAGES } from './jetstream-record.js';

/** What a queue needs of an append: the topic it belongs to. */
export interface TopicItem {
  readonly topic: string;
}

/** A linger waits for at most this many appends: no more than one record carries. */
export const LINGER_TARGET = MAX_RECORD_MESSAGES;
/** … for at most this long. */
export const LINGER_MS = 1;

interface Linger {
  /** Queued appends that end the wait early. */
  target: number;
  /** performance.now() at which the wait ends anyway. */
  deadline: number;
}

/**
 * Each topic's appends waiting to be sent (in call order) and which topics may send now.
 *
 * - Group commit: a topic has at most one record in flight. Its appends made meanwhile wait
 *   (`busy`) and go out together once that record settles; other topics are not held up.
 * - Linger: when a record is acknowledged and its topic has fewer appends queued than were
 *   just answered plus queued (at most one record's worth), the topic waits until that many are
 *   queued, or LINGER_MS at most, before sending its next record. The callers answered by the
 *   ack usually publish again at once (a backend with N requests in flight), so their next
 *   appends join the same record instead of the one after it: a hot topic sends fewer, larger
 *   records, which is what the server's CPU and each process's socket writes follow (one write
 *   and one wake-up of the server per record). A topic that is not busy never waits: its
 *   first append goes at the end of the turn, an ack with nothing queued behind it starts
 *   no wait, and neither does a next append that goes alone anyway (`goesAlone`). The cost
 *   is at most LINGER_MS of latency on a topic that is already busy.
 */
export class TopicQueues<T extends TopicItem> {
  private readonly queues = new Map<string, T[]>();
  /** Topics with appends waiting and nothing in flight nor lingering, in the order they became so. */
  private readonly ready = new Set<string>();
  /** Topics with a record in flight. */
  private readonly busy = new Set<string>();
  private readonly lingering = new Map<string, Linger>();
  private timer: NodeJS.Timeout | null = null;

  /**
   * `lingerOver`: called when a wait ended by time and topics became ready (send them).
   * `goesAlone`: an append that is a record of its own whatever follows it (a keyed one): a
   * topic whose next append goes alone does not wait, since waiting would not enlarge it.
   */
  constructor(
    private readonly lingerOver: () => void,
    private readonly goesAlone: (item: T) => boolean = () => false,
  ) {}

  /** Queues an append behind its topic's others. */
  push(item: T): void {
    const queue = this.queueOf(item.topic);
    queue.push(item);
    const linger = this.lingering.get(item.topic);
    if (linger === undefined) {
      if (!this.busy.has(item.topic)) this.ready.add(item.topic);
    } else if (queue.length >= linger.target) {
      this.lingering.delete(item.topic);
      this.ready.add(item.topic);
    }
  }

  /** Puts an append back in front of its topic's queue, ready to go (a retry). */
  requeue(item: T): void {
    this.queueOf(item.topic).unshift(item);
    this.lingering.delete(item.topic);
    this.ready.add(item.topic);
  }

  /** The topic that has waited longest to send, if any. */
  nextReady(): string | undefined {
    return this.ready.values().next().value;
  }

  isReady(topic: string): boolean {
    return this.ready.has(topic);
  }

  /** The topic's queued appends, oldest first; do not modify. */
  queued(topic: string): readonly T[] {
    return this.queues.get(topic) ?? [];
  }

  /** Takes the topic's `count` oldest appends as its record in flight. */
  take(topic: string, count: number): T[] {
    const queue = this.queues.get(topic) ?? [];
    const taken = queue.splice(0, count);
    if (queue.length === 0) this.queues.delete(topic);
    this.ready.delete(topic);
    this.busy.add(topic);
    return taken;
  }

  /**
   * The topic's record settled. `answered`: how many appends its ack answered (0 when it
   * failed or stored nothing): those callers may be about to publish again, so the topic
   * lingers for them (see the class comment).
   */
  settled(topic: string, answered: number): void {
    this.busy.delete(topic);
    const queue = this.queues.get(topic);
    if (queue === undefined) return;
    const target = Math.min(LINGER_TARGET, answered + queue.length);
    if (queue.length >= target || this.goesAlone(queue[0] as T)) {
      this.ready.add(topic);
      return;
    }
    this.lingering.set(topic, { target, deadline: performance.now() + LINGER_MS });
    this.timer ??= setTimeout(this.endLingers, LINGER_MS);
  }

  /** Removes and returns a topic's queued appends. */
  drop(topic: string): T[] {
    const queue = this.queues.get(topic) ?? [];
    this.queues.delete(topic);
    this.ready.delete(topic);
    this.lingering.delete(topic);
    return queue;
  }

  /** Removes and returns every queued append. */
  dropAll(): T[] {
    const all = [...this.queues.values()].flat();
    this.queues.clear();
    this.ready.clear();
    this.lingering.clear();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    return all;
  }

  /** The topic's queue, created empty when it has none. */
  private queueOf(topic: string): T[] {
    let queue = this.queues.get(topic);
    if (queue === undefined) {
      queue = [];
      this.queues.set(topic, queue);
    }
    return queue;
  }

  private readonly endLingers = (): void => {
    this.timer = null;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    let ended = false;
    for (const [topic, linger] of this.lingering) {
      // Timers fire in whole milliseconds: within a tenth of one counts as due.
      if (linger.deadline <= now + 0.1) {
        this.lingering.delete(topic);
        this.ready.add(topic);
        ended = true;
      } else next = Math.min(next, linger.deadline);
    }
    if (Number.isFinite(next)) this.timer = setTimeout(this.endLingers, Math.max(1, Math.ceil(next - now)));
    if (ended) this.lingerOver();
  };
}
