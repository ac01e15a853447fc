import WebSocket from 'ws';
import { nowUs } from './latency.js';

/**
 * A client that publishes over the WebSocket protocol (`{"op":"publish",…}`), as a browser
 * would. `burst` sends its frames back to back and resolves when every ack came back; each
 * message's data ends with `"ts":<µs>` like HttpPublisher's, for the workers' latency.
 */
export class WsPublisher {
  private nextId = 1;
  private seq = 0;
  private readonly filler: string;
  private readonly waiting = new Map<number, (ok: boolean) => void>();

  private constructor(
    private readonly ws: WebSocket,
    payloadBytes: number,
  ) {
    this.filler = 'x'.repeat(Math.max(0, payloadBytes));
    ws.on('message', (raw: Buffer) => {
      const text = raw.toString();
      if (!text.startsWith('{"op":"ack"') && !text.startsWith('{"op":"error"')) return;
      const frame = JSON.parse(text) as { op: string; id?: number };
      if (frame.id === undefined) return;
      this.waiting.get(frame.id)?.(frame.op === 'ack');
      this.waiting.delete(frame.id);
    });
  }

  static async connect(url: string, payloadBytes = 64): Promise<WsPublisher> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('message', () => resolve()); // welcome
      ws.once('error', reject);
    });
    return new WsPublisher(ws, payloadBytes);
  }

  /** Sends `count` publishes to `topic` back to back; resolves with how many were refused. */
  async burst(topic: string, count: number): Promise<number> {
    const acks: Array<Promise<boolean>> = [];
    const ts = nowUs();
    for (let i = 0; i < count; i++) {
      const id = this.nextId++;
      acks.push(new Promise((resolve) => this.waiting.set(id, resolve)));
      this.ws.send(`{"op":"publish","id":${id},"topic":"${topic}","data":{"seq":${this.seq++},"body":"${this.filler}","ts":${ts}}}`);
    }
    const results = await Promise.all(acks);
    return results.filter((ok) => !ok).length;
  }

  close(): void {
    this.ws.close();
  }
}
