import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where local brokers keep their data, pid files and logs, and the guarantee
 * that no broker outlives the test process that started it.
 *
 * Each cluster owns a folder `<tmpdir>/eventide-kafka-XXXX` holding
 * `owner.pid` (the test process) and one `node-N/broker.pid` per JVM. On exit
 * (normal or after an uncaught error) the JVMs are killed and the folder is
 * removed. A process killed outright cannot run exit handlers: its brokers
 * stop anyway when their wrapper's stdin closes, and `removeStaleClusters`
 * kills and removes whatever a dead owner left behind.
 */
const PREFIX = 'eventide-kafka-';
const live = new Set<string>();
let exitHookInstalled = false;

/** Creates the folder of a new cluster owned by this process. */
export function createClusterDir(): string {
  removeStaleClusters();
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  live.add(dir);
  installExitHook();
  return dir;
}

/** Kills the JVMs of a cluster folder (SIGKILL) and removes the folder. */
export function destroyClusterDir(dir: string): void {
  for (const pid of brokerPids(dir)) killKafka(pid);
  rmSync(dir, { recursive: true, force: true });
  live.delete(dir);
}

/** Removes clusters whose owner process is gone, killing their brokers. */
export function removeStaleClusters(): void {
  for (const entry of safeReaddir(tmpdir())) {
    if (!entry.startsWith(PREFIX)) continue;
    const dir = join(tmpdir(), entry);
    const owner = Number(readOr(join(dir, 'owner.pid'), '0'));
    if (owner > 0 && isAlive(owner)) continue;
    // A folder without its owner file may be one another process is creating right now.
    if (owner === 0 && Date.now() - modifiedAt(dir) < 60_000) continue;
    destroyClusterDir(dir);
  }
}

function brokerPids(dir: string): number[] {
  return safeReaddir(dir)
    .filter((name) => name.startsWith('node-'))
    .map((name) => Number(readOr(join(dir, name, 'broker.pid'), '0')))
    .filter((pid) => pid > 0);
}

/** Kills a pid only if it still is a Kafka JVM (pids get reused). */
function killKafka(pid: number): void {
  const cmdline = readOr(`/proc/${pid}/cmdline`, '');
  if (existsSync(`/proc/${pid}`) && !cmdline.includes('kafka.Kafka')) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const dir of [...live]) destroyClusterDir(dir);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const dir of [...live]) destroyClusterDir(dir);
      process.kill(process.pid, signal);
    });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

function modifiedAt(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
