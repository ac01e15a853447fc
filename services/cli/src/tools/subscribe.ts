import { baseUrl, FAILURE, integerOption, printLine, toolCommand, UsageError, wsUrlOf } from './tool.js';
import { TopicTail } from './topic-tail.js';

export const subscribeTool = toolCommand({
  name: 'subscribe',
  summary: 'print the messages of topics as JSON lines, until interrupted',
  help: `usage: switchboard subscribe TOPIC… [options]

Subscribes over WebSocket (the --url's ws:// or wss:// /ws) and prints one JSON line per
message: {"topic":"…","offset":42,"data":…}. Reconnects by itself and resumes exact topics with
since, so no message inside the history window is missed or printed twice. Patterns
(chat.*, chat.>) are live only. Notices (reconnecting, gaps) go to stderr.

options:
  --url URL        http(s) base URL of an edge or the all-in-one (env SWITCHBOARD_URL;
                   default http://127.0.0.1:8080)
  --since OFFSET   start after this offset: first print what history still holds
  --token JWT      a token, when the server requires one (env SWITCHBOARD_TOKEN); see switchboard token
  --count N        exit 0 after N messages

exit: 0 after --count messages or on SIGINT/SIGTERM, 1 refused (bad token, forbidden topic), 2 bad usage
`,
  options: { url: { type: 'string' }, since: { type: 'string' }, token: { type: 'string' }, count: { type: 'string' } },
  async run(values, topics) {
    if (topics.length === 0) throw new UsageError('expected at least one TOPIC');
    const url = wsUrlOf(baseUrl(values));
    const since = integerOption('since', values.since);
    const count = integerOption('count', values.count, 1);
    const token = values.token ?? (process.env.SWITCHBOARD_TOKEN || undefined);
    return new Promise<number>((resolve) => {
      let printed = 0;
      const finish = (code: number) => {
        tail.stop();
        process.off('SIGINT', interrupted);
        process.off('SIGTERM', interrupted);
        resolve(code);
      };
      const interrupted = () => finish(0);
      const tail = new TopicTail({
        url,
        topics,
        ...(since === undefined ? {} : { since }),
        ...(token === undefined ? {} : { token }),
        async onMessage(message) {
          if (count !== undefined && printed >= count) return;
          await printLine(JSON.stringify(message));
          printed++;
          if (count !== undefined && printed >= count) finish(0);
        },
        onNotice: (text) => process.stderr.write(`switchboard subscribe: ${text}\n`),
        onFatal(text) {
          process.stderr.write(`switchboard subscribe: ${text}\n`);
          finish(FAILURE);
        },
      });
      process.on('SIGINT', interrupted);
      process.on('SIGTERM', interrupted);
      tail.start();
    });
  },
});
