import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { waitForPort } from './ports.js';

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Spawns a helper process (a broker, an edge) that is killed when the test process exits, so a
 * failing test never leaves servers behind. Output is kept (last 64 KB) for error messages.
 */
export function spawnTracked(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ChildProcess & { output(): string } {
  const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-65_536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  running.add(child);
  child.once('exit', () => running.delete(child));
  return Object.assign(child, { output: () => output });
}

/** Sends `signal` and resolves when the process has exited (SIGKILL after `graceMs`). */
export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill(signal);
  });
}

/** True when `command` can be found on PATH. */
export function hasCommand(command: string): boolean {
  const paths = (process.env.PATH ?? '').split(':');
  return paths.some((dir) => existsSync(`${dir}/${command}`));
}

/** Spawns a server and resolves once it accepts connections on `port` (killed if it never does). */
export async function spawnListening(command: string, args: string[], port: number): Promise<ReturnType<typeof spawnTracked>> {
  const server = spawnTracked(command, args);
  try {
    await waitForPort(port);
  } catch (err) {
    server.kill('SIGKILL');
    throw new Error(`${command} did not start on ${port}: ${server.output()}`, { cause: err });
  }
  return server;
}
