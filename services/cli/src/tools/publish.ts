import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { createPublisher } from '@switchboard/publisher';
import { apiKeyOf, baseUrl, CONNECTION_HELP, CONNECTION_OPTIONS, integerOption, printLine, toolCommand, UsageError } from './tool.js';

/** DATA as the user gave it: JSON text, `@file` (its JSON content) or `-` (JSON from stdin). */
export async function readData(arg: string): Promise<unknown> {
  let source: string;
  let where: string;
  if (arg === '-') {
    source = await text(process.stdin);
    where = 'stdin';
  } else if (arg.startsWith('@')) {
    where = arg.slice(1);
    try {
      source = await readFile(where, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${where}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  } else {
    source = arg;
    where = 'DATA';
  }
  try {
    return JSON.parse(source);
  } catch {
    throw new UsageError(`${where} is not valid JSON (a string needs quotes: '"hi"')`);
  }
}

export const publishTool = toolCommand({
  name: 'publish',
  summary: 'publish one message through the publish API',
  help: `usage: switchboard publish TOPIC DATA [options]

Publishes DATA on TOPIC and prints {"offset":…,"epoch":…} as one JSON line.
DATA is JSON ('{"a":1}', '"text"', 42), @FILE (a file holding JSON) or - (JSON from stdin).
Retries on network errors, 429 and 503 with one idempotency key, so a retry never duplicates.

options:
${CONNECTION_HELP}
  --key KEY        idempotency key (default: a random one per invocation); repeating a
                   command with the same key within IDEMPOTENCY_TTL_MS publishes once
  --retries N      retries on network errors, 429 and 503 (default 4)
  --timeout MS     per-attempt timeout in milliseconds (default 10000)

exit: 0 published, 1 refused or unreachable (stderr: "switchboard publish: CODE: message"), 2 bad usage
`,
  options: { ...CONNECTION_OPTIONS, key: { type: 'string' }, retries: { type: 'string' }, timeout: { type: 'string' } },
  async run(values, positionals) {
    if (positionals.length !== 2) throw new UsageError('expected TOPIC DATA');
    const [topic, arg] = positionals as [string, string];
    const data = await readData(arg);
    const publisher = createPublisher({
      url: baseUrl(values),
      apiKey: apiKeyOf(values),
      retries: integerOption('retries', values.retries, 0, 100),
      timeoutMs: integerOption('timeout', values.timeout, 1),
    });
    try {
      const result = await publisher.publish(topic, data, values.key === undefined ? {} : { idempotencyKey: values.key });
      await printLine(JSON.stringify({ offset: result.offset, epoch: result.epoch }));
      return 0;
    } finally {
      publisher.close();
    }
  },
});
