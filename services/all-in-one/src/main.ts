import { openSettingWarnings } from '@switchboard/config';
import { runService } from '@switchboard/telemetry';
import { startAllInOne } from './start.js';

runService('all-in-one', async () => {
  const node = await startAllInOne();
  const { log } = node;
  for (const warning of openSettingWarnings(['API_KEYS', 'AUTH_JWT_SECRET', 'ALLOWED_ORIGINS'])) log.warn(warning);
  log.info({ port: node.port, url: `http://localhost:${node.port}/` }, 'Switchboard all-in-one is up: open the demo page');
  return { stop: () => node.stop() };
});
