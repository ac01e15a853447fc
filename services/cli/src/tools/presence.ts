import { createPublisher } from '@switchboard/publisher';
import { apiKeyOf, baseUrl, CONNECTION_HELP, CONNECTION_OPTIONS, printLine, runTool, type ToolSpec, UsageError } from './tool.js';

const options = { ...CONNECTION_OPTIONS };

/** `switchboard presence [TOPIC] --url …`: the query tool (without arguments the command runs the service). */
export const presenceQuerySpec: ToolSpec<typeof options> = {
  name: 'presence',
  summary: 'query presence',
  help: `usage: switchboard presence [TOPIC] --url URL [options]
       switchboard presence            (no arguments: runs the presence service)

Prints, as one JSON line, the cluster's counts ({"connections","subscriptions","nodes"}) or,
with TOPIC, that topic's {"topic","subscribers","users"}. Ask the presence service or the
all-in-one. Give at least one argument (e.g. --url) to query instead of running the service.

options:
${CONNECTION_HELP}

exit: 0 done, 1 refused or unreachable, 2 bad usage
`,
  options,
  async run(values, positionals) {
    if (positionals.length > 1) throw new UsageError('expected at most one TOPIC');
    const publisher = createPublisher({ url: baseUrl(values), apiKey: apiKeyOf(values) });
    try {
      const [topic] = positionals;
      const answer = topic === undefined ? await publisher.presence() : await publisher.presence(topic);
      await printLine(JSON.stringify(answer));
      return 0;
    } finally {
      publisher.close();
    }
  },
};

export function presenceQueryTool(argv: string[]): Promise<number> {
  return runTool(presenceQuerySpec, argv);
}
