import { HttpSocket } from './http-socket.js';

/** How long a poll waits on the server when nothing is new (ms; the server caps it). */
const POLL_WAIT_MS = 25_000;

interface PollAnswer {
  messages?: { topic: string; offset: number | null; data: unknown; encoding?: string }[];
  positions?: Record<string, { offset: number | null; epoch: string | null; recovered?: boolean }>;
  error?: { code: string; message: string };
}

/**
 * Long-polling (`GET /poll`) as a socket: one `ack` per `subscribe` from the first answer that
 * holds the topic (a poll for new topics does not wait), `message` frames from the answers, and
 * the positions of each answer as the `since` of the next poll.
 */
export class PollSocket extends HttpSocket {
  private inflight: AbortController | null = null;
  private running = false;

  /** The waiting poll is cut and a new one asks for every topic. */
  protected restart(): void {
    this.inflight?.abort();
    if (!this.running) void this.loop();
  }

  protected stop(): void {
    this.inflight?.abort();
  }

  private async loop(): Promise<void> {
    this.running = true;
    while (this.readyState === 1 && this.topics.size > 0) {
      const controller = new AbortController();
      this.inflight = controller;
      const url = `${this.base}/poll?${this.query()}&wait=${this.pending.size > 0 ? 0 : POLL_WAIT_MS}`;
      let status = 0;
      let answer: PollAnswer;
      try {
        const res = await fetch(url, { signal: controller.signal });
        status = res.status;
        answer = (await res.json()) as PollAnswer;
      } catch {
        if (controller.signal.aborted) continue;
        this.close(1006, 'poll failed');
        break;
      }
      if (controller.signal.aborted) continue;
      if (status !== 200) this.refused(status, answer);
      else this.deliver(answer);
    }
    this.running = false;
  }

  private refused(status: number, answer: PollAnswer): void {
    const code = answer.error?.code ?? 'unavailable';
    const message = answer.error?.message ?? `poll answered ${status}`;
    if (status === 401) this.close(4001, message);
    else if ((status === 403 || status === 400) && this.pending.size > 0) {
      // A topic of the new subscriptions is refused (the poll says not which): refuse them all.
      for (const [topic, id] of this.pending) {
        this.topics.delete(topic);
        this.emit({ op: 'error', id, code, message });
      }
      this.pending.clear();
    } else this.close(status === 403 ? 4003 : 1013, message);
  }

  private deliver(answer: PollAnswer): void {
    const messages = answer.messages ?? [];
    for (const [topic, position] of Object.entries(answer.positions ?? {})) {
      if (!this.topics.has(topic)) continue;
      const id = this.pending.get(topic);
      if (id !== undefined) {
        this.pending.delete(topic);
        // Without since, the ack is where live delivery starts: just before this answer's first message.
        const first = messages.find((m) => m.topic === topic)?.offset;
        const offset = this.topics.get(topic) == null && first != null ? first - 1 : position.offset;
        this.emit({ op: 'ack', id, topic, offset, epoch: position.epoch, recovered: position.recovered !== false });
      }
      this.topics.set(topic, position.offset);
    }
    // A bytes message keeps its `encoding` marker: parseServerFrame decodes the base64.
    for (const m of messages) this.emit({ op: 'message', ...m });
  }
}
