import { commands } from './commands.js';
import { dispatch } from './dispatch.js';

// The `switchboard` command: `switchboard <command> [arguments]` (see commands.ts).
const code = await dispatch(commands, process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
