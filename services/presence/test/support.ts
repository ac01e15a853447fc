import assert from 'node:assert/strict';
import { requestJson } from '@switchboard/testkit';
import type { PresenceSummary, TopicPresence } from '../src/presence-index.js';

/** Polls `check` until it holds; fails naming `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function summaryOf(baseUrl: string): Promise<PresenceSummary> {
  const res = await requestJson(`${baseUrl}/v1/presence`);
  assert.equal(res.status, 200);
  return res.body as PresenceSummary;
}

export async function topicOf(baseUrl: string, topic: string): Promise<TopicPresence> {
  const res = await requestJson(`${baseUrl}/v1/presence/topics/${encodeURIComponent(topic)}`);
  assert.equal(res.status, 200);
  return res.body as TopicPresence;
}
