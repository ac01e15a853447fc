import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * What the proxy does with one client connection:
 * - `pass`: relays both ways;
 * - `reset-after-answer`: relays the request, waits until the upstream starts answering (so the
 *   request was handled: e.g. a message stored), then resets the client connection (TCP RST)
 *   without relaying a byte of the answer;
 * - `hang`: reads the request and never answers (until `dropAll` or `close`);
 * - `{ status, headers }`: answers this HTTP status itself (never reaching the upstream) and closes.
 */
export type FaultAction = 'pass' | 'reset-after-answer' | 'hang' | { status: number; headers?: Record<string, string> };

/**
 * A real TCP proxy in front of a server that a test makes fail: each new connection takes the
 * next action of the queue (`pass` when the queue is empty). `counts` records what was done.
 */
export class FaultProxy {
  private readonly queue: FaultAction[] = [];
  private readonly sockets = new Set<Socket>();
  readonly counts = { connections: 0, passed: 0, resetAfterAnswer: 0, answered: 0 };

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(upstreamPort: number, upstreamHost = '127.0.0.1'): Promise<FaultProxy> {
    let proxy: FaultProxy | undefined;
    const server = createServer((client) => proxy?.handle(client, upstreamPort, upstreamHost));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    proxy = new FaultProxy(server, address.port);
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Queues actions for the next connections, in order. */
  next(...actions: FaultAction[]): void {
    this.queue.push(...actions);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Cuts every open connection (so that the client's next request opens a new one). */
  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
  }

  private handle(client: Socket, upstreamPort: number, upstreamHost: string): void {
    this.track(client);
    this.counts.connections++;
    const action = this.queue.shift() ?? 'pass';
    if (typeof action === 'object') {
      this.counts.answered++;
      client.once('data', () => {
        const headers = { 'content-type': 'application/json', connection: 'close', ...action.headers };
        const body = JSON.stringify({ error: { code: action.status === 429 ? 'rate_limited' : 'unavailable', message: 'fault proxy' } });
        const head = Object.entries({ ...headers, 'content-length': String(Buffer.byteLength(body)) })
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('');
        client.end(`HTTP/1.1 ${action.status} Fault\r\n${head}\r\n${body}`);
      });
      return;
    }
    if (action === 'hang') {
      client.resume();
      return;
    }
    const upstream = createConnection({ port: upstreamPort, host: upstreamHost });
    this.track(upstream);
    client.pipe(upstream);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    if (action === 'pass') {
      this.counts.passed++;
      upstream.pipe(client);
      return;
    }
    upstream.once('data', () => {
      this.counts.resetAfterAnswer++;
      client.resetAndDestroy();
      upstream.destroy();
    });
  }
}
