import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export type Frame = Record<string, unknown> & { op: string };

export interface FakeServerOptions {
  /** 'open': welcome on open (auth off); 'connect': welcome after a connect frame; 'manual': never. */
  welcome?: 'open' | 'connect' | 'manual';
  heartbeat?: number;
}

/** One accepted connection, scripted by the test. */
export class FakeConnection {
  readonly received: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<{ op: string | undefined; resolve: (frame: Frame) => void }> = [];
  private cursor = 0;

  constructor(
    readonly ws: WebSocket,
    readonly index: number,
  ) {
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.received.push(frame);
      this.flush();
    });
  }

  /** The next received frame (with `op`, when given) not yet returned by next(). */
  next(op?: string): Promise<Frame> {
    return new Promise((resolve) => {
      this.waiters.push({ op, resolve });
      this.flush();
    });
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  welcome(heartbeat = 0): void {
    this.send({ op: 'welcome', session: `s${this.index}`, node: 'fake-1', heartbeat });
  }

  close(code: number, reason = ''): void {
    this.ws.close(code, reason);
  }

  private flush(): void {
    while (this.waiters.length > 0) {
      const waiter = this.waiters[0] as { op: string | undefined; resolve: (frame: Frame) => void };
      let found = -1;
      for (let i = this.cursor; i < this.received.length; i++) {
        if (waiter.op === undefined || this.received[i]?.op === waiter.op) {
          found = i;
          break;
        }
      }
      if (found < 0) return;
      this.waiters.shift();
      this.cursor = found + 1;
      waiter.resolve(this.received[found] as Frame);
    }
  }
}

/** A scripted server speaking the wire contract, on 127.0.0.1 and a free port. */
export class FakeServer {
  readonly connections: FakeConnection[] = [];
  private pending: Array<(conn: FakeConnection) => void> = [];
  private taken = 0;

  private constructor(
    readonly wss: WebSocketServer,
    readonly url: string,
    private readonly options: FakeServerOptions,
  ) {
    wss.on('connection', (ws) => this.accept(ws));
  }

  static async start(options: FakeServerOptions = {}): Promise<FakeServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws' });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const { port } = wss.address() as AddressInfo;
    return new FakeServer(wss, `ws://127.0.0.1:${port}/ws`, options);
  }

  /** The next accepted connection not yet returned by this method. */
  nextConnection(): Promise<FakeConnection> {
    const ready = this.connections[this.taken];
    if (ready !== undefined) {
      this.taken++;
      return Promise.resolve(ready);
    }
    return new Promise((resolve) => this.pending.push(resolve));
  }

  async stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    const conn = new FakeConnection(ws, this.connections.length + 1);
    this.connections.push(conn);
    const heartbeat = this.options.heartbeat ?? 0;
    const mode = this.options.welcome ?? 'open';
    if (mode === 'open') conn.welcome(heartbeat);
    if (mode === 'connect') {
      const onConnect = (data: unknown) => {
        if ((JSON.parse(String(data)) as Frame).op !== 'connect') return;
        ws.off('message', onConnect);
        conn.welcome(heartbeat);
      };
      ws.on('message', onConnect);
    }
    const waiter = this.pending.shift();
    if (waiter !== undefined) {
      this.taken++;
      waiter(conn);
    }
  }
}

/** Resolves on the next `event` of the client. */
export function once<T>(on: (listener: (event: T) => void) => () => void): Promise<T> {
  return new Promise((resolve) => {
    const off = on((event) => {
      off();
      resolve(event);
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An unsigned JWT-shaped token with the given claims (the fake server does not verify it). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.c2ln`;
}
