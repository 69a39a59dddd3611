/**
 * The processes of a multi-process measurement: eventide's own CLI started
 * as a user starts it (`bin/eventide.js node`, `bin/eventide.js produce`),
 * and what each process costs in CPU, read from /proc, so a figure on one
 * machine can say what the broker and the load generator took.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const EVENTIDE = fileURLToPath(new URL('../../bin/eventide.js', import.meta.url));
const TICKS_PER_SECOND = 100;

/** A started CLI command; its stderr is kept for when it fails. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `eventide <args>`. */
export function startEventide(args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, [EVENTIDE, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    pid: child.pid!,
    exited,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** The process listening on a loopback TCP port (the harness's broker), or undefined. */
export function pidListeningOn(port: number): number | undefined {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const match = /pid=(\d+)/.exec(out);
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** Measures the cores a set of processes use over an interval: start it, then `end()` gives cores per name. */
export function cpuMeter(pids: Readonly<Record<string, number | undefined>>): { end(): Record<string, number> } {
  const started = performance.now();
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, pid === undefined ? 0 : cpuSeconds(pid)]));
  return {
    end() {
      const seconds = (performance.now() - started) / 1000;
      return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, pid === undefined ? Number.NaN : Math.round(((cpuSeconds(pid) - before[name]!) / seconds) * 100) / 100]));
    },
  };
}
