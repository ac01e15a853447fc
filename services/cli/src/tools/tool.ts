import { type ParseArgsConfig, parseArgs } from 'node:util';
import { SwitchboardError } from '@switchboard/publisher';
import type { Command } from '../command.js';
import { USAGE_ERROR } from '../command.js';

/** Exit code of a tool that ran and failed (API error, network error, refused subscription). */
export const FAILURE = 1;

/** A command line that cannot be understood: exit 2 with the message and a pointer to --help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The options every network tool takes. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
} as const satisfies Options;

export const CONNECTION_HELP = `  --url URL        http(s) base URL of the server (env SWITCHBOARD_URL; default http://127.0.0.1:8080)
  --api-key KEY    publish API key (env SWITCHBOARD_API_KEY)`;

export interface ToolSpec<O extends Options> {
  name: string;
  summary: string;
  /** Full `--help` text (the usage lines and options). */
  help: string;
  options: O;
  /** Runs with parsed values and positionals; resolves to the exit code. */
  run(
    values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>['values'],
    positionals: string[],
  ): Promise<number>;
}

/**
 * A tool of the `switchboard` command: `--help` prints its help on stdout (exit 0); a command
 * line it cannot parse prints the reason on stderr (exit 2); an API or network failure prints
 * `switchboard NAME: CODE: message` on stderr (exit 1). Results go to stdout only.
 */
export function toolCommand<O extends Options>(spec: ToolSpec<O>): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    run: (argv) => runTool(spec, argv),
  };
}

export async function runTool<O extends Options>(spec: ToolSpec<O>, argv: string[]): Promise<number> {
  const fail = (message: string) => process.stderr.write(`switchboard ${spec.name}: ${message}\n`);
  try {
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(spec.help);
      return 0;
    }
    let parsed: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>;
    try {
      parsed = parseArgs({ args: argv, options: spec.options, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    return await spec.run(parsed.values, parsed.positionals);
  } catch (err) {
    if (err instanceof UsageError) {
      fail(`${err.message}\n(see switchboard ${spec.name} --help)`);
      return USAGE_ERROR;
    }
    if (err instanceof SwitchboardError) {
      fail(`${err.code}: ${err.message}`);
      return FAILURE;
    }
    fail(err instanceof Error ? err.message : String(err));
    return FAILURE;
  }
}

/** `--url` or SWITCHBOARD_URL (default http://127.0.0.1:8080), checked to be http(s). */
export function baseUrl(values: { url?: string | undefined }): string {
  const url = values.url ?? process.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:8080';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url must be an http(s) URL, got "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--url must be http:// or https://, got "${url}"`);
  return parsed.toString().replace(/\/+$/, '');
}

/** The WebSocket endpoint of a base URL: http → ws, https → wss, path + `/ws`. */
export function wsUrlOf(base: string): string {
  const url = new URL(base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/ws`;
  return url.toString();
}

export function apiKeyOf(values: { 'api-key'?: string | undefined }): string | undefined {
  return values['api-key'] ?? (process.env.SWITCHBOARD_API_KEY || undefined);
}

/** A non-negative integer option, or a UsageError naming it. */
export function integerOption(name: string, value: string | undefined, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${value}"`);
  return Number(value);
}

/** Writes one line to stdout, waiting when the pipe is full (so `| head` and slow readers work). */
export function printLine(line: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(`${line}\n`)) resolve();
    else process.stdout.once('drain', resolve);
  });
}
