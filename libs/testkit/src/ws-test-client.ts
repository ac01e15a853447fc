import { WebSocket } from 'ws';

/** A server frame as a test sees it; a binary frame is recorded as `{ op: 'binary', bytes }`. */
export type Frame = Record<string, unknown> & { op: string };

export interface CloseInfo {
  code: number;
  reason: string;
}

/**
 * A raw WebSocket client for protocol tests: records every frame, waits for the ones a test
 * expects (bounded), and reports how the server closed the connection.
 */
export class WsTestClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<CloseInfo>;
  private readonly waiters = new Set<() => void>();
  private cursor = 0;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      });
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.frames.push(JSON.parse(data.toString()) as Frame);
      else this.frames.push({ op: 'binary', bytes: Buffer.from(data as Buffer) });
      this.wake();
    });
    ws.on('error', () => undefined);
  }

  /** Connects and waits for the upgrade; with `welcome` (default) also for the welcome frame. */
  static async connect(url: string, options: { welcome?: boolean; headers?: Record<string, string> } = {}): Promise<WsTestClient> {
    const ws = new WebSocket(url, { headers: options.headers });
    const client = new WsTestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    if (options.welcome !== false) await client.next((f) => f.op === 'welcome');
    return client;
  }

  /** Sends a text frame (a string as it is, anything else as JSON), or a binary frame for bytes. */
  send(frame: unknown): void {
    if (frame instanceof Uint8Array) this.ws.send(frame, { binary: true });
    else this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a request with an id and waits for the `ack` or `error` carrying it. */
  async request(frame: Record<string, unknown> & { id: number }, timeoutMs = 5000): Promise<Frame> {
    this.send(frame);
    return this.find((f) => (f.op === 'ack' || f.op === 'error') && f.id === frame.id, timeoutMs);
  }

  /** The next frame (after those already taken by `next`) that matches. */
  async next(match: (frame: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    const found = await this.waitFor(() => {
      for (let i = this.cursor; i < this.frames.length; i++) {
        const frame = this.frames[i] as Frame;
        if (match(frame)) {
          this.cursor = i + 1;
          return frame;
        }
      }
      return undefined;
    }, timeoutMs);
    return found;
  }

  /** Any frame received so far or later that matches (does not move the cursor). */
  find(match: (frame: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    return this.waitFor(() => this.frames.find(match), timeoutMs);
  }

  /** Waits until `count` frames match; returns them in arrival order. */
  async collect(match: (frame: Frame) => boolean, count: number, timeoutMs = 5000): Promise<Frame[]> {
    return this.waitFor(() => {
      const found = this.frames.filter(match);
      return found.length >= count ? found : undefined;
    }, timeoutMs);
  }

  messages(topic?: string): Frame[] {
    return this.frames.filter((f) => f.op === 'message' && (topic === undefined || f.topic === topic));
  }

  close(): void {
    this.ws.close();
  }

  private wake(): void {
    for (const wake of this.waiters) wake();
  }

  private async waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms; last frames: ${JSON.stringify(this.frames.slice(-3))}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }
}
