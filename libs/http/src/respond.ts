import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '@switchboard/protocol';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The contract's error body: `{"error":{"code":"…","message":"…"}}`. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: ErrorCode | 'not_found' | 'method_not_allowed',
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { code, message } }, headers);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
