import type { IncomingMessage } from 'node:http';
import { isClientReadableReservedTopic, isValidPattern, type StreamPosition, type SubscribeFrame } from '@switchboard/protocol';

/** What a `GET /sse` asks for: topics, a token, and where to resume each topic. */
export interface SseRequest {
  topics: string[];
  token: string | null;
  since: Map<string, StreamPosition>;
}

/** `<topic>:<offset>` (a topic may itself hold `:`, so the offset is after the last one). Shared with `/poll`. */
export function position(id: string): [string, StreamPosition] | null {
  const colon = id.lastIndexOf(':');
  const offset = Number(id.slice(colon + 1));
  if (colon <= 0 || !Number.isSafeInteger(offset) || offset < 0 || id.slice(colon + 1) === '') return null;
  return [id.slice(0, colon), { offset }];
}

/** The `topics=a,b` parameter of `/sse` and `/poll`: 1…`maxTopics` distinct valid topics or patterns, else an error text. */
export function parseTopics(url: URL, maxTopics: number): string[] | string {
  const topics = [...new Set((url.searchParams.get('topics') ?? '').split(',').filter((t) => t.length > 0))];
  if (topics.length === 0) return `topics: give one or more, comma-separated (${url.pathname}?topics=a,b)`;
  if (topics.length > maxTopics) return `topics: at most ${maxTopics}`;
  // The same topics as a WebSocket `subscribe`: patterns, and the client-readable reserved ones (`$presence.users`).
  const bad = topics.find((t) => !isValidPattern(t) && !isClientReadableReservedTopic(t));
  return bad === undefined ? topics : `topics: invalid topic "${String(bad).slice(0, 64)}"`;
}

/** The subscribes a `/sse` or `/poll` request stands for: one per topic (ids 1…n), resuming at its `since`. Shared with `/poll`. */
export function subscribesOf(topics: readonly string[], since: ReadonlyMap<string, StreamPosition>): SubscribeFrame[] {
  return topics.map((topic, i) => {
    const position = since.get(topic);
    return position === undefined ? { op: 'subscribe', id: i + 1, topic } : { op: 'subscribe', id: i + 1, topic, since: position };
  });
}

/**
 * Parses `/sse?topics=a,b&token=…`. `Last-Event-ID` (what EventSource sends back, the id of the
 * last event: `<topic>:<offset>`) resumes that topic; the `since=a:41,b:7` parameter (an
 * extension) resumes several. Returns an error text for a 400.
 */
export function parseSseRequest(req: IncomingMessage, url: URL, maxTopics: number): SseRequest | string {
  const topics = parseTopics(url, maxTopics);
  if (typeof topics === 'string') return topics;
  const since = new Map<string, StreamPosition>();
  const ids = [...(url.searchParams.get('since') ?? '').split(','), String(req.headers['last-event-id'] ?? '')];
  for (const id of ids.filter((s) => s.length > 0)) {
    const parsed = position(id);
    if (parsed === null) return `not a <topic>:<offset> position: "${id.slice(0, 64)}"`;
    if (topics.includes(parsed[0])) since.set(parsed[0], parsed[1]);
  }
  return { topics, token: url.searchParams.get('token'), since };
}
