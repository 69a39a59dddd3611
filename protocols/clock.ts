/**
 * Time, injected. Nothing in `actors/` reads the wall clock: the runtime owns
 * a Clock and turns its progress into tick messages. Tests use a manual clock
 * and advance it explicitly, so every test is deterministic.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` every `intervalMs` until the returned function is called. */
  every(intervalMs: number, callback: () => void): () => void;
  /** Resolves after `ms`. */
  sleep(ms: number): Promise<void>;
}
