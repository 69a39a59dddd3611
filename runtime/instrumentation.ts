/**
 * What a node reports about itself, as one declared table of events (the
 * kafkajs habit): metrics, logs and tests subscribe; the runtime only emits.
 *
 * Listeners run synchronously and must be cheap. A listener that throws is
 * isolated: its error is counted (`listenerErrors`) and handed to
 * `onListenerError` (logged), the other listeners still run, and `emit`
 * returns normally, so a bug in a metrics callback never fails a partition.
 */
import type { RestoreReport } from './partition/restorer.ts';
import type { Logger } from './logger.ts';

/** Every instrumentation event with its payload: what `Instrumentation.on` subscribes to. */
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
  /** A partition was handed over cleanly (revoked): its final snapshot is being written. */
  readonly 'partition.revoked': { readonly stage: string; readonly partition: number; readonly generation: number };
  /** A partition was lost (this member crashed, expired or was expelled) and abandoned without a final write. */
  readonly 'partition.lost': { readonly stage: string; readonly partition: number; readonly generation: number };
  /** The stage's group gave this node partitions in a new generation. */
  readonly 'rebalance': { readonly stage: string; readonly generation: number; readonly assigned: number };
  /**
   * An actor of a partition (the partition machine or one of its children)
   * received a message its current state has no transition for, or a message
   * after it stopped: the message changed nothing. Reported so that nothing
   * vanishes silently; most such messages are a machine's bug.
   */
  readonly 'message.unhandled': {
    readonly stage: string;
    readonly partition: number;
    /** The actor's id (the root's session id, or a child's stable id such as `q:<query>`). */
    readonly actor: string;
    /** The id of the actor's machine. */
    readonly machine: string;
    /** The actor's state value as JSON (`"running"`, `{"a":"b"}`), or its status when it no longer runs. */
    readonly state: string;
    /** The message's type. */
    readonly type: string;
  };
  /**
   * A publication was requested again while its first request was still
   * being written: the second request is not written.
   */
  readonly 'publication.duplicate': { readonly stage: string; readonly partition: number; readonly key: string };
}

/** The name of an instrumentation event. */
export type InstrumentationEvent = keyof InstrumentationEvents;

/** Records per topic, as `transaction.committed` reports them. */
export function countByTopic(records: readonly { readonly topic: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records) counts[record.topic] = (counts[record.topic] ?? 0) + 1;
  return counts;
}
type Listener<K extends InstrumentationEvent> = (payload: InstrumentationEvents[K]) => void;

export interface InstrumentationOptions {
  /** Where a listener's error is logged (unless `onListenerError` is given). @default errors go to `console.error` */
  readonly logger?: Logger;
  /** Told of every error a listener threw, after it was counted. */
  readonly onListenerError?: (error: unknown, event: InstrumentationEvent) => void;
}

/**
 * @example
 * const instrumentation = new Instrumentation({ logger });
 * const off = instrumentation.on('records.in', ({ stage, records }) => counter.inc({ stage }, records));
 * instrumentation.emit('records.in', { stage: 'parse', partition: 0, records: 500 });
 * off();
 */
export class Instrumentation {
  readonly #listeners = new Map<InstrumentationEvent, Set<Listener<never>>>();
  readonly #onListenerError: (error: unknown, event: InstrumentationEvent) => void;
  #listenerErrors = 0;

  constructor(options: InstrumentationOptions = {}) {
    const { logger } = options;
    this.#onListenerError =
      options.onListenerError ??
      (logger === undefined
        ? (error, event) => console.error(`[eventide] an instrumentation listener of '${event}' threw; it is ignored`, error)
        : (error, event) => logger.error({ event, err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'an instrumentation listener threw; it is ignored'));
  }

  /** How many times a listener threw (each error was logged and the emitting code went on). */
  get listenerErrors(): number {
    return this.#listenerErrors;
  }

  /** Whether anyone listens to `event` (to skip building a payload nobody reads). */
  has(event: InstrumentationEvent): boolean {
    return (this.#listeners.get(event)?.size ?? 0) > 0;
  }

  /** Subscribes; returns the unsubscribe function. */
  on<K extends InstrumentationEvent>(event: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Calls every listener of `event`; never throws because of one. */
  emit<K extends InstrumentationEvent>(event: K, payload: InstrumentationEvents[K]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const listener of set) {
      try {
        (listener as Listener<K>)(payload);
      } catch (error) {
        this.#listenerErrors++;
        try {
          this.#onListenerError(error, event);
        } catch {
          // The error hook itself failed: the error is still counted.
        }
      }
    }
  }
}
