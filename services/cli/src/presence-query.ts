import { USAGE_ERROR } from './command.js';

/**
 * The hook for `switchboard presence <args…>` (the presence query tool): `switchboard
 * presence` with no arguments runs the presence service, with arguments it queries one.
 * The query tool (issue #15) replaces this function's body; until then it refuses.
 */
export async function presenceQuery(argv: string[]): Promise<number> {
  process.stderr.write(`switchboard presence ${argv.join(' ')}: the presence query tool is not in this build\n`);
  return USAGE_ERROR;
}
