import { runService } from '@switchboard/telemetry';
import { startAllInOne } from './start.js';

runService('all-in-one', async () => {
  const node = await startAllInOne();
  const { log } = node;
  for (const [name, warning] of [
    ['API_KEYS', 'the publish API is open to anyone who can reach it'],
    ['AUTH_JWT_SECRET', 'no client authentication: every client may subscribe and publish'],
    ['ALLOWED_ORIGINS', 'WebSocket connections are accepted from any origin'],
  ] as const) {
    if (!process.env[name]) log.warn(`${name} is not set: ${warning}`);
  }
  log.info({ port: node.port, url: `http://localhost:${node.port}/` }, 'Switchboard all-in-one is up: open the demo page');
  return { stop: () => node.stop() };
});
