import { MemoryBroker, MemoryBus } from '@switchboard/backends';
import { WsTestClient } from '@switchboard/testkit';
import { type AllInOne, startAllInOne } from '../src/start.js';

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
