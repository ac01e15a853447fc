import type { Frame, WsTestClient } from '@switchboard/testkit';

export { TestServer } from '@switchboard/all-in-one/test-server';

/** Per-test time bound: every `it` in these files passes this. */
export const T = { timeout: 8000 };

/** Waits for the close of a client, bounded. */
export async function closedWithin(client: WsTestClient, timeoutMs = 3000) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`connection not closed within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([client.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The frames of `client` with this op. */
export const framesOf = (client: WsTestClient, op: string): Frame[] => client.frames.filter((f) => f.op === op);
