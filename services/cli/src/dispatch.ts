import { type Command, USAGE_ERROR } from './command.js';
import { usage } from './usage.js';

/**
 * Runs the command named by `argv[0]` with the rest of `argv`. `--help` (or `-h`, `help`)
 * prints the usage on stdout (0); no command or an unknown one prints it on stderr (2).
 * Resolves to the exit code, or `undefined` when a service is running.
 */
export async function dispatch(commands: readonly Command[], argv: string[]): Promise<number | undefined> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage(commands));
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`${name === undefined ? '' : `switchboard: unknown command "${name}"\n\n`}${usage(commands)}`);
    return USAGE_ERROR;
  }
  return command.run(rest);
}
