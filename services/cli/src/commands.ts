import type { Command } from './command.js';
import { presenceQuery } from './presence-query.js';
import { serviceCommand } from './service-command.js';

const presenceService = serviceCommand(
  'presence',
  'the presence service: API and dashboard (port 8082)',
  () => import('@switchboard/presence/main'),
);

/**
 * Every `switchboard` command, in usage order: the first argument picks one. Services are
 * imported on demand, so a process loads only the code it runs (and the compiled release
 * splits one chunk per service). Tools (publish, subscribe, history, token …) are added here.
 */
export const commands: readonly Command[] = [
  serviceCommand('edge', 'one edge node: WebSocket and SSE clients (port 8080)', () => import('@switchboard/edge/main')),
  serviceCommand('api', 'the publish API (port 8081)', () => import('@switchboard/api/main')),
  {
    ...presenceService,
    summary: `${presenceService.summary}; with arguments, queries presence`,
    // No arguments: the service. Any argument: the query tool (services take no arguments).
    run: (argv) => (argv.length === 0 || (argv.length === 1 && argv[0] === '--help') ? presenceService.run(argv) : presenceQuery(argv)),
  },
  serviceCommand(
    'all-in-one',
    'edge + publish API + presence + demo page in one process, in-memory bus (port 8080)',
    () => import('@switchboard/all-in-one/main'),
  ),
];
