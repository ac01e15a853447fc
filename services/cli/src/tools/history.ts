import { createPublisher } from '@switchboard/publisher';
import { apiKeyOf, baseUrl, CONNECTION_HELP, CONNECTION_OPTIONS, integerOption, printLine, toolCommand, UsageError } from './tool.js';

export const historyTool = toolCommand({
  name: 'history',
  summary: "print a topic's stored messages",
  help: `usage: switchboard history TOPIC [options]

Prints the topic's kept messages after --since, oldest first, one JSON line each:
{"topic":"…","offset":41,"data":…}. Pages through the API until the newest message.

options:
${CONNECTION_HELP}
  --since OFFSET   only messages after this offset (default 0: all kept)
  --limit N        at most N messages (default: all kept)

exit: 0 done, 1 refused or unreachable, 2 bad usage
`,
  options: { ...CONNECTION_OPTIONS, since: { type: 'string' }, limit: { type: 'string' } },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError('expected TOPIC');
    const [topic] = positionals as [string];
    let since = integerOption('since', values.since) ?? 0;
    let left = integerOption('limit', values.limit, 1) ?? Number.POSITIVE_INFINITY;
    const publisher = createPublisher({ url: baseUrl(values), apiKey: apiKeyOf(values) });
    try {
      while (left > 0) {
        const page = await publisher.history(topic, { since, limit: Math.min(1000, left) });
        for (const m of page.messages) await printLine(JSON.stringify(historyLine(topic, m.offset, m.data)));
        left -= page.messages.length;
        const last = page.messages.at(-1)?.offset;
        if (last === undefined || last >= page.offset) break;
        since = last;
      }
      return 0;
    } finally {
      publisher.close();
    }
  },
});

/** One printed line: bytes (a Uint8Array from the publisher) as base64 with `"encoding":"base64"`, like the API gives them. */
function historyLine(topic: string, offset: number, data: unknown): object {
  if (!(data instanceof Uint8Array)) return { topic, offset, data };
  return { topic, offset, encoding: 'base64', data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') };
}
