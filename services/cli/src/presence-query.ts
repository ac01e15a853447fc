import { presenceQueryTool } from './tools/index.js';

/**
 * `switchboard presence <args…>`: with arguments the command queries presence (the service
 * takes none); see tools/presence.ts.
 */
export function presenceQuery(argv: string[]): Promise<number> {
  return presenceQueryTool(argv);
}
