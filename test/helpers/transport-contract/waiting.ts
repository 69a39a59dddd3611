import { inspect } from 'node:util';

/**
 * Waiting in contract tests: for a condition, never for a fixed time, with a
 * generous deadline (a real broker rebalances in seconds) that fails with a
 * message naming what was awaited.
 */

/** How long any awaited condition may take before the test fails. */
export const CONTRACT_TIMEOUT_MS = 60_000;

/** Rejects with a message naming `what` if `promise` does not settle in time. */
export async function within<T>(promise: Promise<T>, what: string, ms = CONTRACT_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A feed of "something happened" notifications (a callback ran, a record
 * arrived); `until` resolves as soon as a predicate holds after one of them.
 */
export class Changes {
  readonly #waiters = new Set<() => void>();

  notify(): void {
    for (const check of [...this.#waiters]) check();
  }

  until(predicate: () => boolean, what: string, ms = CONTRACT_TIMEOUT_MS): Promise<void> {
    if (predicate()) return Promise.resolve();
    let check!: () => void;
    const satisfied = new Promise<void>((resolve) => {
      check = () => {
        if (!predicate()) return;
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
    });
    return within(satisfied, what, ms).finally(() => this.#waiters.delete(check));
  }
}

/**
 * Asks `probe` again until `accept` holds: for state a broker settles on its
 * own after a call returned (the last stable offset after a commit, offsets
 * committed by a transaction), which has no event to wait on.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  ms = CONTRACT_TIMEOUT_MS,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${inspect(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
