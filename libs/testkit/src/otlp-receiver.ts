import { createServer, type Server } from 'node:http';
import protobuf from 'protobufjs';

/**
 * The part of opentelemetry-proto's trace service that a test reads (collector/trace/v1 and
 * trace/v1, common/v1, resource/v1; fields a test does not read are skipped by the decoder).
 */
const TRACE_PROTO = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message InstrumentationScope { string name = 1; string version = 2; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  repeated Link links = 13;
  Status status = 15;
}
message Link { bytes trace_id = 1; bytes span_id = 2; }
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
  }
}
`;

const ExportRequest = protobuf.parse(TRACE_PROTO, { keepCase: false }).root.lookupType('otlp.ExportTraceServiceRequest');

/** OTLP span kinds (SpanKind in trace.proto). */
export const OtlpSpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

/** One span as a test sees it: ids in lower-case hex, attributes as plain values. */
export interface CollectedSpan {
  service: string;
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  links: Array<{ traceId: string; spanId: string }>;
  /** How the export that carried it was encoded. */
  encoding: 'json' | 'protobuf';
}

interface WireKeyValue {
  key?: string;
  value?: { stringValue?: string; boolValue?: boolean; intValue?: number | string; doubleValue?: number };
}
interface WireSpan {
  traceId?: string | Uint8Array;
  spanId?: string | Uint8Array;
  parentSpanId?: string | Uint8Array;
  name?: string;
  kind?: number;
  attributes?: WireKeyValue[];
  links?: Array<{ traceId?: string | Uint8Array; spanId?: string | Uint8Array }>;
}
interface WireRequest {
  resourceSpans?: Array<{ resource?: { attributes?: WireKeyValue[] }; scopeSpans?: Array<{ spans?: WireSpan[] }> }>;
}

const hex = (id: string | Uint8Array | undefined): string =>
  id === undefined ? '' : typeof id === 'string' ? id.toLowerCase() : Buffer.from(id).toString('hex');

function attributesOf(list: WireKeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    if (key === undefined || value === undefined) continue;
    if (value.stringValue !== undefined) out[key] = value.stringValue;
    else if (value.boolValue !== undefined) out[key] = value.boolValue;
    else if (value.intValue !== undefined) out[key] = Number(value.intValue);
    else if (value.doubleValue !== undefined) out[key] = value.doubleValue;
  }
  return out;
}

/**
 * An OTLP/HTTP trace receiver on 127.0.0.1 for tests: accepts `POST /v1/traces` in both OTLP
 * encodings (`application/x-protobuf`, decoded with protobufjs and the trace.proto schema;
 * `application/json`, OTLP's JSON mapping), answers 200 with an empty export response, and
 * keeps every span. Set a process's `OTEL_EXPORTER_OTLP_ENDPOINT` to `url`.
 */
export class OtlpReceiver {
  readonly spans: CollectedSpan[] = [];
  /** Requests that could not be decoded (answered 400); a test asserts it stays empty. */
  readonly errors: string[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<OtlpReceiver> {
    let receiver: OtlpReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const type = req.headers['content-type'] ?? '';
        try {
          if (req.method !== 'POST' || req.url !== '/v1/traces') throw new Error(`unexpected ${req.method} ${req.url}`);
          receiver?.collect(body, type.includes('json') ? 'json' : 'protobuf');
          res.writeHead(200, { 'content-type': type.includes('json') ? 'application/json' : 'application/x-protobuf' });
          res.end(type.includes('json') ? '{}' : undefined);
        } catch (err) {
          receiver?.errors.push((err as Error).message);
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    receiver = new OtlpReceiver(server, `http://127.0.0.1:${address.port}`);
    return receiver;
  }

  private collect(body: Buffer, encoding: 'json' | 'protobuf'): void {
    const request: WireRequest =
      encoding === 'json'
        ? (JSON.parse(body.toString('utf8')) as WireRequest)
        : (ExportRequest.toObject(ExportRequest.decode(body), { longs: Number }) as WireRequest);
    for (const resourceSpans of request.resourceSpans ?? []) {
      const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name'] ?? '');
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          this.spans.push({
            service,
            traceId: hex(span.traceId),
            spanId: hex(span.spanId),
            parentSpanId: hex(span.parentSpanId),
            name: span.name ?? '',
            kind: span.kind ?? 0,
            attributes: attributesOf(span.attributes),
            links: (span.links ?? []).map((l) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId) })),
            encoding,
          });
        }
      }
    }
  }

  /** The spans of one trace. */
  trace(traceId: string): CollectedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  /** Waits (polling, bounded) until `check` holds for the spans collected so far. */
  async waitFor(check: (spans: CollectedSpan[]) => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this.spans)) {
      if (Date.now() > deadline) {
        const seen = this.spans.map((s) => `${s.service}:${s.name}`).join(', ');
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; spans: ${seen || 'none'}; errors: ${this.errors.join('; ')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
