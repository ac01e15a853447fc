/** One entry of the `switchboard` command table. */
export interface Command {
  /** The first argument that picks this command, e.g. `edge`. */
  name: string;
  /** One line for the usage text. */
  summary: string;
  /**
   * Runs the command with the arguments that follow its name. A tool resolves to its exit
   * code; a service resolves to `undefined` once it is starting: the process then lives until
   * its own signal handlers stop it (SIGTERM drains, then exit 0).
   */
  run(argv: string[]): Promise<number | undefined>;
}

/** Exit code for a command line that cannot be understood (as with most Unix tools). */
export const USAGE_ERROR = 2;
