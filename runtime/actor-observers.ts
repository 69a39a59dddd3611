/**
 * The node's observers of its actors' inspection events (messages, state
 * changes), which can come and go while partitions run: the inspector adds
 * one while someone watches an actor and removes it when nobody does.
 *
 * Every partition machine of the node is created with `dispatch` as its
 * observer once; with no observer registered, `dispatch` is one size check
 * per event.
 */
import type { InspectionEvent } from 'xstate';

/** An observer of inspection events; it must be cheap, as it runs inside every actor's step. */
export type ActorObserver = (event: InspectionEvent) => void;

export class ActorObservers {
  readonly #observers = new Set<ActorObserver>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  /** Adds an observer; returns the function that removes it. */
  add(observer: ActorObserver): () => void {
    this.#observers.add(observer);
    return () => void this.#observers.delete(observer);
  }

  /** How many observers are registered. */
  get size(): number {
    return this.#observers.size;
  }

  /** Hands the event to every observer; an observer that throws is reported and the actor goes on. */
  readonly dispatch = (event: InspectionEvent): void => {
    if (this.#observers.size === 0) return;
    for (const observer of this.#observers) {
      try {
        observer(event);
      } catch (error) {
        this.#onError(error);
      }
    }
  };
}
