/**
 * `eventide` as a user runs it, for the browser tests: a long-running
 * command (`demo`, `node`) whose inspector URL is read from what it prints,
 * and one-off runs whose exit code and messages are checked. Every process
 * started here is killed when the test process exits, whatever happened.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from '../helpers/cli-cluster.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const BIN = join(ROOT, 'bin', 'eventide.js');

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** `env` on top of this process's environment; a variable set to undefined is removed. */
function start(args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  const merged = Object.fromEntries(Object.entries({ ...process.env, NO_COLOR: '1', ...env }).filter(([, value]) => value !== undefined));
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** A running `eventide` command with an inspector. */
export class InspectedProcess {
  /** The inspector's URL as printed: `http://127.0.0.1:PORT/`. */
  url = '';
  stdout = '';
  stderr = '';
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  constructor(child: ChildProcess) {
    this.#child = child;
    child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.#exited = new Promise((resolveExit) =>
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolveExit(code);
      }),
    );
  }

  get running(): boolean {
    return this.#exit === null;
  }

  /** The exit code (null when a signal ended it). */
  exited(): Promise<number | null> {
    return this.#exited;
  }

  /** Waits for `pattern` in its stdout or stderr; fails early, with what it printed, if it exits first. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    return until(
      () => {
        const found = pattern.exec(this.stdout) ?? pattern.exec(this.stderr);
        if (found) return found;
        if (!this.running) throw new Error(`eventide exited (${JSON.stringify(this.#exit)}) before printing ${pattern}\n${this.output()}`);
        return undefined;
      },
      () => `eventide to print ${pattern}\n${this.output()}`,
      timeoutMs,
      100,
    );
  }

  /** The tail of what it printed, for failure messages. */
  output(chars = 3000): string {
    return `stdout: ${this.stdout.slice(-chars)}\nstderr: ${this.stderr.slice(-chars)}`;
  }

  /** Sends a signal, if it still runs. */
  kill(signal: NodeJS.Signals): void {
    if (this.running) this.#child.kill(signal);
  }

  /** Stops it (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.running) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}

/** The line `eventide demo` and `eventide node --inspect` print with the inspector's address. */
export const INSPECTOR_LINE = /inspector: (https?:\/\/[^\s]+\/)/;

/** Starts `eventide <args>` and waits until it printed its inspector URL. */
export async function startInspected(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 90_000): Promise<InspectedProcess> {
  const inspected = new InspectedProcess(start(args, env));
  try {
    inspected.url = (await inspected.waitFor(INSPECTOR_LINE, timeoutMs))[1]!;
  } catch (error) {
    await inspected.stop(2000);
    throw error;
  }
  return inspected;
}

/** Starts `eventide <args>` without waiting for anything. */
export function startCommand(args: readonly string[], env: NodeJS.ProcessEnv = {}): InspectedProcess {
  return new InspectedProcess(start(args, env));
}

/** Runs `eventide <args>` to its end (killed after `timeoutMs`). */
export async function runCommand(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  const command = startCommand(args, env);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    command.kill('SIGKILL');
  }, timeoutMs);
  const code = await command.exited();
  clearTimeout(timer);
  return { code, stdout: command.stdout, stderr: command.stderr, timedOut };
}
