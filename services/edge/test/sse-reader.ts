import assert from 'node:assert/strict';

/** One server-sent event as the reader parsed it. */
export interface SseEvent {
  event: string;
  id?: string;
  data: string;
  retry?: number;
}

/** An EventSource-like reader over fetch: parses events as they stream in. */
export async function openSse(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  let ended = false;
  const pump = (async () => {
    if (res.body === null) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = block.split('\n').filter((l) => !l.startsWith(':'));
          if (fields.length > 0) {
            const get = (name: string) => fields.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
            const retry = get('retry');
            events.push({
              event: get('event') ?? 'message',
              id: get('id'),
              data: get('data') ?? '',
              ...(retry === undefined ? {} : { retry: Number(retry) }),
            });
          }
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
    ended = true;
  })();
  const waitFor = async (match: (e: SseEvent[]) => boolean, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (!match(events)) {
      if (Date.now() > deadline) assert.fail(`timed out; events so far: ${JSON.stringify(events)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return events;
  };
  return {
    res,
    events,
    waitFor,
    messages: () => events.filter((e) => e.event === 'message'),
    get ended() {
      return ended;
    },
    close: async () => {
      controller.abort();
      await pump;
    },
  };
}
