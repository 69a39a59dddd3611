/**
 * Back-pressure of one input partition: fetching pauses while the partition
 * has more work queued than it should hold, and resumes once the queues
 * drained to a quarter of their limits (the gap keeps it from flapping).
 *
 * Two queues count: the mailbox (messages not handled yet) and the writer
 * (records not committed yet). Either one over its limit pauses.
 */
export interface BackPressureGauges {
  /** Messages waiting in the partition's mailbox. */
  readonly mailboxSize: () => number;
  /** Records waiting in the partition's writer. */
  readonly writerBacklog: () => number;
}

/** Stops and restarts fetching of the input partition. */
export interface InputValve {
  pause(): void;
  resume(): void;
}

export interface BackPressureLimits {
  /** @default 64 */
  readonly maxQueuedMessages?: number;
  /** @default 50000 */
  readonly maxWriterBacklog?: number;
}

export const DEFAULT_MAX_QUEUED_MESSAGES = 64;
export const DEFAULT_MAX_WRITER_BACKLOG = 50_000;

export class BackPressure {
  readonly #gauges: BackPressureGauges;
  readonly #valve: InputValve;
  readonly #maxMessages: number;
  readonly #maxBacklog: number;
  #paused = false;

  constructor(gauges: BackPressureGauges, valve: InputValve, limits: BackPressureLimits = {}) {
    this.#gauges = gauges;
    this.#valve = valve;
    this.#maxMessages = limits.maxQueuedMessages ?? DEFAULT_MAX_QUEUED_MESSAGES;
    this.#maxBacklog = limits.maxWriterBacklog ?? DEFAULT_MAX_WRITER_BACKLOG;
  }

  /** Whether this paused the input (and has not resumed it yet). */
  get paused(): boolean {
    return this.#paused;
  }

  /** Work was queued: pauses the input if a queue is over its limit. */
  maybePause(): void {
    if (this.#paused) return;
    if (this.#gauges.mailboxSize() > this.#maxMessages || this.#gauges.writerBacklog() > this.#maxBacklog) {
      this.#paused = true;
      this.#valve.pause();
    }
  }

  /** Work was done: resumes the input it paused once both queues are down to a quarter of their limits. */
  maybeResume(): void {
    if (!this.#paused) return;
    if (this.#gauges.mailboxSize() <= this.#maxMessages / 4 && this.#gauges.writerBacklog() <= this.#maxBacklog / 4) {
      this.#paused = false;
      this.#valve.resume();
    }
  }
}
