/**
 * What a node reports about itself, as one declared table of events (the
 * kafkajs habit): metrics, logs and tests subscribe; the runtime only emits.
 * Listeners run synchronously and must be cheap; an error in one is logged by
 * the caller's logger and never reaches the partition.
 */
import type { RestoreReport } from './partition-host.ts';

export interface InstrumentationEvents {
  /** Input records handed to a partition machine. */
  readonly 'records.in': { readonly stage: string; readonly partition: number; readonly records: number };
  /** A transaction of a partition writer committed these records (results, outputs, dead letters, markers, snapshots). */
  readonly 'transaction.committed': { readonly stage: string; readonly partition: number; readonly recordsByTopic: Readonly<Record<string, number>>; readonly durationMs: number };
  /** A record was sent to the dead-letter topic. */
  readonly 'deadletter': { readonly stage: string; readonly partition: number; readonly reason: string };
  /** A snapshot was durably written. */
  readonly 'snapshot.written': { readonly stage: string; readonly partition: number; readonly seq: number; readonly bytes: number; readonly durationMs: number };
  /** A partition finished restoring and runs. */
  readonly 'partition.restored': { readonly stage: string; readonly partition: number; readonly report: RestoreReport };
  /** A partition stopped on its own (fenced, a writer or machine failure). */
  readonly 'partition.failed': { readonly stage: string; readonly partition: number; readonly error: unknown };
  /** The stage's group gave this node partitions in a new generation. */
  readonly 'rebalance': { readonly stage: string; readonly generation: number; readonly assigned: number };
}

export type InstrumentationEvent = keyof InstrumentationEvents;
type Listener<K extends InstrumentationEvent> = (payload: InstrumentationEvents[K]) => void;

export class Instrumentation {
  readonly #listeners = new Map<InstrumentationEvent, Set<Listener<never>>>();

  /** Subscribes; returns the unsubscribe function. */
  on<K extends InstrumentationEvent>(event: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  emit<K extends InstrumentationEvent>(event: K, payload: InstrumentationEvents[K]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const listener of set) (listener as Listener<K>)(payload);
  }
}
