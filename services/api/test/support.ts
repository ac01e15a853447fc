import assert from 'node:assert/strict';
import { type AllInOne, startAllInOne } from '@switchboard/all-in-one';
import { MemoryBroker, MemoryBus } from '@switchboard/bus';
import { type JsonResponse, WsTestClient } from '@switchboard/testkit';

/** Per-test time bound: every `it` in these files passes this. */
export const T = { timeout: 8000 };

/** An all-in-one server on a free port and its own memory broker; `close()` also cuts its WebSocket clients. */
export class TestServer {
  private readonly clients = new Set<WsTestClient>();

  private constructor(
    readonly node: AllInOne,
    private readonly ownBus: MemoryBus,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<TestServer> {
    const bus = new MemoryBus(new MemoryBroker());
    const node = await startAllInOne({ bus, env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env } });
    return new TestServer(node, bus);
  }

  url(path: string): string {
    return `${this.node.url}${path}`;
  }

  async client(): Promise<WsTestClient> {
    const client = await WsTestClient.connect(`ws://127.0.0.1:${this.node.port}/ws`);
    this.clients.add(client);
    return client;
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.ws.terminate();
    await this.node.close();
    await this.ownBus.close();
  }
}

/** Asserts the contract's error answer: `status` and `{"error":{"code","message"}}`, nothing else. */
export function assertError(res: JsonResponse, status: number, code: string): void {
  assert.equal(res.status, status, `body: ${JSON.stringify(res.body)}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = res.body as { error?: { code?: unknown; message?: unknown } };
  assert.deepEqual(Object.keys(body), ['error']);
  assert.deepEqual(Object.keys(body.error ?? {}).sort(), ['code', 'message']);
  assert.equal(body.error?.code, code);
  const message = body.error?.message;
  assert.ok(typeof message === 'string' && message.length > 0, 'the error has a message');
}
