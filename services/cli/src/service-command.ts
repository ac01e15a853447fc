import type { Command } from './command.js';
import { USAGE_ERROR } from './command.js';

/**
 * A command that runs a service process. Services take no arguments: their configuration is
 * environment variables only (docs/operations.md), so anything after the name is refused,
 * except `--help`. `start` imports the service's entry module, whose top level starts it.
 */
export function serviceCommand(name: string, summary: string, start: () => Promise<unknown>): Command {
  return {
    name,
    summary,
    async run(argv) {
      if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
        process.stdout.write(
          `usage: switchboard ${name}\n\n${summary}.\nConfiguration is by environment variables only (see docs/operations.md).\n`,
        );
        return 0;
      }
      if (argv.length > 0) {
        process.stderr.write(`switchboard ${name} takes no arguments (configuration is by environment variables): ${argv.join(' ')}\n`);
        return USAGE_ERROR;
      }
      await start();
      return undefined;
    },
  };
}
