/**
 * When a failed partition is restored again. A failure that one record
 * explains (see poison-records.ts) is retried at once after a second: the
 * next attempt isolates or skips that record, so it is bounded. Any other
 * failure backs off exponentially, 1 s, 2 s, 4 s... up to a minute, until
 * the partition makes progress again (its host commits a transaction), so a
 * partition that cannot run never spins, and what it last failed with stays
 * visible (`/status`, `eventide_partitions_failing`, the logs).
 */
import { isRecordsFailed } from './poison-records.ts';

/** A partition that failed and has not made progress since. */
export interface FailingPartition {
  readonly stage: string;
  readonly partition: number;
  /** Failures in a row, without a committed transaction between them. */
  readonly failures: number;
  /** The last error, in one line. */
  readonly error: string;
  readonly failedAt: number;
  /** When the next restore starts (or started). */
  readonly retryAt: number;
  /** Restored and running again, not yet past a commit (which ends the entry). */
  readonly running: boolean;
}

export interface RestartBackoffOptions {
  /** @default 1000 */
  readonly initialMs?: number;
  /** @default 60000 */
  readonly maxMs?: number;
}

export class RestartBackoff {
  readonly #stage: string;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #failing = new Map<number, Omit<FailingPartition, 'running'> & { readonly unexplained: number }>();

  constructor(stage: string, options: RestartBackoffOptions = {}) {
    this.#stage = stage;
    this.#initialMs = options.initialMs ?? 1000;
    this.#maxMs = options.maxMs ?? 60_000;
  }

  /**
   * Records a failure of `partition` and returns how long to wait before the
   * next restore. `progressed`: the failed host committed something, so the
   * failures before it no longer count.
   */
  failed(partition: number, error: unknown, progressed: boolean, now: number, explained = isRecordsFailed(error)): number {
    const previous = progressed ? undefined : this.#failing.get(partition);
    const failures = (previous?.failures ?? 0) + 1;
    // Backing off counts only the failures no record explains.
    const unexplained = (previous?.unexplained ?? 0) + (explained ? 0 : 1);
    const delayMs = explained ? this.#initialMs : Math.min(this.#maxMs, this.#initialMs * 2 ** (unexplained - 1));
    this.#failing.set(partition, { stage: this.#stage, partition, failures, unexplained, error: oneLine(error), failedAt: now, retryAt: now + delayMs });
    return delayMs;
  }

  /** The partition committed a transaction: it runs again. */
  progressed(partition: number): void {
    this.#failing.delete(partition);
  }

  /** The partition left this node: its failures are its next owner's to see. */
  forget(partition: number): void {
    this.#failing.delete(partition);
  }

  /** `isRunning` tells whether a partition's current host runs. */
  failing(isRunning: (partition: number) => boolean): FailingPartition[] {
    return [...this.#failing.values()].map(({ unexplained: _, ...failing }) => ({ ...failing, running: isRunning(failing.partition) }));
  }
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const line = text.replace(/\s+/g, ' ');
  return line.length > 1000 ? `${line.slice(0, 1000)}…` : line;
}
