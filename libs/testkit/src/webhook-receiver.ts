import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

/** One request a WebhookReceiver got. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status it was answered with. */
  status: number;
}

/**
 * A webhook endpoint on 127.0.0.1 for tests: records every request, answers with the status
 * `respond` chooses (default 200; e.g. 500 to test retries), and waits for what a test expects.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** Chooses the status of each request (it is recorded either way). */
  respond: (request: Omit<ReceivedRequest, 'status'>, index: number) => number = () => 200;
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(path = '/hook'): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        const self = receiver as WebhookReceiver;
        const status = self.respond(request, self.requests.length);
        self.requests.push({ ...request, status });
        res.writeHead(status, { 'content-length': 0 });
        res.end();
        for (const wake of self.waiters) wake();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}${path}`);
    return receiver;
  }

  /** The JSON bodies of the requests answered 2xx so far. */
  accepted(): unknown[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300).map((r) => JSON.parse(r.body) as unknown);
  }

  /** Resolves once `probe` holds (checked after every request), or rejects after `timeoutMs`. */
  async until(probe: (requests: ReceivedRequest[]) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!probe(this.requests)) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `webhook: timed out after ${timeoutMs} ms; got ${this.requests.length} requests: ${this.requests
            .slice(-3)
            .map((r) => r.body)
            .join(' ')}`,
        );
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, 100));
        this.waiters.add(done);
      });
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
