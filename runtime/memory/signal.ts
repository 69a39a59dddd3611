/**
 * A wake-up flag for one waiting loop: `notify` wakes the current waiter, or
 * the next one if nobody waits yet, so a notification that arrives while the
 * loop is busy (awaiting a handler) is never lost. This is what lets the fetch
 * loops sleep on appends instead of polling on a timer.
 */
export class Signal {
  #pending = false;
  #waiter: Promise<void> | null = null;
  #wake: (() => void) | null = null;

  /** Wakes the waiter, or remembers the wake-up for the next `wait`. */
  notify(): void {
    const wake = this.#wake;
    if (wake === null) {
      this.#pending = true;
      return;
    }
    this.#wake = null;
    this.#waiter = null;
    wake();
  }

  /** Resolves at the next `notify` (immediately if one arrived since the last wait). */
  wait(): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    this.#waiter ??= new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
    return this.#waiter;
  }
}
