import type { Command } from './command.js';

/** The usage text listing every command of the table. */
export function usage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `usage: switchboard <command> [arguments]\n\ncommands:\n${lines.join('\n')}\n\nswitchboard <command> --help describes one command.\n`;
}
