/**
 * Clocks: the system clock for nodes, a manual clock for tests. Actors never
 * read time themselves; the runtime turns clock progress into tick messages.
 */
import type { Clock } from '../protocols/clock.ts';

export type { Clock } from '../protocols/clock.ts';

/** The wall clock. Periodic timers do not keep the process alive; a sleep does (someone is waiting for it). */
export const systemClock: Clock = {
  now: () => Date.now(),
  every(intervalMs, callback) {
    const timer = setInterval(callback, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

interface ManualTimer {
  due: number;
  readonly intervalMs: number | null;
  readonly callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to. `advance` fires every timer that
 * falls due, in due order, so a test controls exactly which ticks happen.
 *
 * @example
 * const clock = new ManualClock(1_700_000_000_000);
 * clock.every(1000, () => ticks++);
 * await clock.advance(3000); // ticks === 3
 */
export class ManualClock implements Clock {
  #now: number;
  #timers: ManualTimer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  every(intervalMs: number, callback: () => void): () => void {
    const timer: ManualTimer = { due: this.#now + intervalMs, intervalMs, callback, cancelled: false };
    this.#timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#timers.push({ due: this.#now + ms, intervalMs: null, callback: resolve, cancelled: false });
    });
  }

  /** Moves time forward by `ms`, firing due timers in order and letting their work settle between them. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      this.#timers = this.#timers.filter((timer) => !timer.cancelled);
      const next = this.#timers.reduce<ManualTimer | null>((soonest, timer) => (soonest === null || timer.due < soonest.due ? timer : soonest), null);
      if (next === null || next.due > target) break;
      this.#now = next.due;
      if (next.intervalMs === null) next.cancelled = true;
      else next.due += next.intervalMs;
      next.callback();
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.#now = target;
  }
}
