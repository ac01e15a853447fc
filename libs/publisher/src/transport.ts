import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { NetworkError } from './errors.js';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON, or the text when it is not JSON. */
  body: unknown;
}

export interface HttpCall {
  method: 'GET' | 'POST';
  /** Path and query, e.g. `/v1/publish`. */
  path: string;
  headers?: Record<string, string>;
  /** JSON text (sent as application/json), or bytes (sent as application/octet-stream). */
  body?: string | Uint8Array;
}

/** Largest response body read (a history page of 1000 messages of 64 KiB fits). */
const MAX_RESPONSE_BYTES = 128 * 1024 * 1024;

/**
 * HTTP/1.1 over keep-alive connections to one base URL. One call = one attempt: any failure
 * without a complete answer (refused, reset, timeout) rejects as NetworkError; an answer of
 * any status resolves.
 */
export class Transport {
  private readonly base: URL;
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;

  constructor(
    url: string,
    private readonly timeoutMs: number,
  ) {
    this.base = new URL(url);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new TypeError(`url must be http(s)://…, got "${url}"`);
    }
    const secure = this.base.protocol === 'https:';
    this.agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.send = secure ? httpsRequest : httpRequest;
  }

  call(call: HttpCall): Promise<HttpAnswer> {
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const body = call.body === undefined ? undefined : typeof call.body === 'string' ? Buffer.from(call.body, 'utf8') : call.body;
    const type = typeof call.body === 'string' ? 'application/json' : 'application/octet-stream';
    return new Promise<HttpAnswer>((resolve, reject) => {
      const req = this.send(
        {
          protocol: this.base.protocol,
          hostname: this.base.hostname,
          port: this.base.port,
          method: call.method,
          path: basePath + call.path,
          agent: this.agent,
          headers: {
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': type, 'content-length': String(body.length) }),
            ...call.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) req.destroy(new Error(`response over ${MAX_RESPONSE_BYTES} bytes`));
            else chunks.push(chunk);
          });
          res.on('end', () => {
            clearTimeout(timer);
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text === '' ? null : JSON.parse(text);
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
          });
          res.on('error', fail);
          res.on('aborted', () => fail(new Error('response aborted')));
        },
      );
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new Error(`no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      function fail(err: Error) {
        clearTimeout(timer);
        reject(new NetworkError(timedOut ? 'timeout' : 'network', `${call.method} ${call.path}: ${err.message}`, { cause: err }));
      }
      req.on('error', fail);
      req.end(body);
    });
  }

  /** Closes the idle keep-alive connections; in-flight calls finish. */
  close(): void {
    this.agent.destroy();
  }
}
