import { openSettingWarnings } from '@switchboard/config';
import { schemeOf } from '@switchboard/http';
import { runService } from '@switchboard/telemetry';
import { startAllInOne } from './start.js';

runService('all-in-one', async () => {
  const node = await startAllInOne();
  const { log } = node;
  for (const warning of openSettingWarnings(['API_KEYS', 'AUTH_JWT_SECRET', 'ALLOWED_ORIGINS'])) log.warn(warning);
  log.info(
    { port: node.port, url: `${schemeOf(node.server)}://localhost:${node.port}/` },
    'Switchboard all-in-one is up: open the demo page',
  );
  return { stop: () => node.stop() };
});
