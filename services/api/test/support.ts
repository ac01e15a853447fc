import assert from 'node:assert/strict';
import type { JsonResponse } from '@switchboard/testkit';

export { TestServer } from '@switchboard/all-in-one/test-server';

/** Per-test time bound: every `it` in these files passes this. */
export const T = { timeout: 8000 };

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
