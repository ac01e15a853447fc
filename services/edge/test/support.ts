import { type AllInOne, startAllInOne } from '@switchboard/all-in-one';
import { MemoryBroker, MemoryBus } from '@switchboard/bus';
import { type Frame, WsTestClient } from '@switchboard/testkit';

/** Per-test time bound: every `it` in these files passes this. */
export const T = { timeout: 8000 };

/**
 * One all-in-one server on a free port, on its own memory broker (so servers of one file never
 * see each other's messages), plus every WebSocket client a test opened through it; `close()`
 * cuts the clients and stops the server.
 */
export class TestServer {
  private readonly clients = new Set<WsTestClient>();

  private constructor(
    readonly node: AllInOne,
    private readonly ownBus: MemoryBus,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<TestServer> {
    const bus = new MemoryBus(new MemoryBroker());
    const node = await startAllInOne({
      bus,
      env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', NODE_ID: 'edge-test', DRAIN_NOTICE_MS: '0', ...env },
    });
    return new TestServer(node, bus);
  }

  get url(): string {
    return this.node.url;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.node.port}/ws`;
  }

  /** Connects a client (waiting for `welcome` unless told otherwise) that `close()` will cut. */
  async client(options: { welcome?: boolean; path?: string } = {}): Promise<WsTestClient> {
    const url = options.path === undefined ? this.wsUrl : `ws://127.0.0.1:${this.node.port}${options.path}`;
    const client = await WsTestClient.connect(url, { welcome: options.welcome ?? true });
    this.clients.add(client);
    return client;
  }

  /** Publishes through the server's own publisher (what the API and client publishes use). */
  publish(topic: string, data: unknown) {
    return this.node.edge.publisher.publish(topic, JSON.stringify(data));
  }

  /** Resolves once `probe` holds, polling; throws after `timeoutMs`. */
  async until(probe: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!probe()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.ws.terminate();
    this.clients.clear();
    await this.node.close();
    await this.ownBus.close();
  }
}

/** Waits for the close of a client, bounded. */
export async function closedWithin(client: WsTestClient, timeoutMs = 3000) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`connection not closed within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([client.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The frames of `client` with this op. */
export const framesOf = (client: WsTestClient, op: string): Frame[] => client.frames.filter((f) => f.op === op);
