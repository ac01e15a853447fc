import type { StreamPosition } from '@switchboard/protocol';
import { parseTopics, position } from '../sse/sse-request.js';

/** The wait of a `GET /poll` that does not say (`wait` parameter, ms). */
export const DEFAULT_POLL_WAIT_MS = 25_000;

/** What a `GET /poll` asks for. */
export interface PollRequest {
  topics: string[];
  /** Where each topic resumes (`since=a:41,b:7`): the last offset the client has. */
  since: Map<string, StreamPosition>;
  token: string | null;
  /** How long to wait for a new message when nothing was missed (ms, already capped). */
  waitMs: number;
}

/**
 * Parses `/poll?topics=a,b&since=a:41,b:7&wait=25000&token=…`. `topics` as for `/sse` (at most
 * `maxTopics`); `since` names topics of the list; `wait` is 0…`maxWaitMs` (default 25 s, capped
 * to `maxWaitMs`). Returns an error text for a 400.
 */
export function parsePollRequest(url: URL, maxTopics: number, maxWaitMs: number): PollRequest | string {
  const topics = parseTopics(url, maxTopics);
  if (typeof topics === 'string') return topics;
  const since = new Map<string, StreamPosition>();
  for (const id of (url.searchParams.get('since') ?? '').split(',').filter((s) => s.length > 0)) {
    const parsed = position(id);
    if (parsed === null) return `since: not a <topic>:<offset> position: "${id.slice(0, 64)}"`;
    if (!topics.includes(parsed[0])) return `since: "${parsed[0].slice(0, 64)}" is not one of the topics`;
    since.set(parsed[0], parsed[1]);
  }
  const waitText = url.searchParams.get('wait');
  const wait = waitText === null ? DEFAULT_POLL_WAIT_MS : Number(waitText);
  if (waitText === '' || !Number.isSafeInteger(wait) || wait < 0) return 'wait: a whole number of milliseconds, 0 or more';
  return { topics, since, token: url.searchParams.get('token') || null, waitMs: Math.min(wait, maxWaitMs) };
}
