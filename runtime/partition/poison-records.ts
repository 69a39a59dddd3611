/**
 * Poison records: input that makes a partition's machine (or its decoder)
 * throw. A machine that throws is stopped by xstate, so the partition
 * restores; to go on without losing anything else, eventide finds the one
 * record to blame and dead-letters it:
 *
 * 1. A message of several records fails: they become suspects, and after the
 *    restore each suspect is handled in a message of its own.
 * 2. A message of one record fails: that record is poison. After the next
 *    restore it never reaches the machine: it goes to the dead-letter topic
 *    (reason `processing-failed`, the error's message), its offset is
 *    committed with the rest, and the partition goes on.
 *
 * So a poison record costs two restores, and the rest of its batch is
 * handled exactly once. What is remembered is the node's (another owner
 * finds the same record the same way) and bounded.
 *
 * Blame has a limit: when `MAX_POISON_IN_A_ROW` records in a row were found
 * poison with no record handled between them, the records are not the cause
 * (the machine's state is, or its code): the failure is reported as one no
 * record explains, and backs off instead of dead-lettering every record.
 */
import { EventideError } from '../../protocols/errors.ts';
import { boundedJson } from '../../protocols/json/bounded-json.ts';

/** The records of one message made the machine (or the decoder) throw. */
export class RecordsFailedError extends EventideError {
  /** First and last input offsets of the message. */
  readonly first: number;
  readonly last: number;

  constructor(first: number, last: number, cause: unknown) {
    super(`handling input offsets ${first}${last === first ? '' : `..${last}`} failed: ${describeCause(cause)}`, { cause });
    this.first = first;
    this.last = last;
  }
}

export const isRecordsFailed = (error: unknown): error is RecordsFailedError => error instanceof RecordsFailedError;

/** Poison records found in a row, no record handled between them, past which the records are no longer blamed. */
export const MAX_POISON_IN_A_ROW = 3;
/** Most poison records remembered per partition; the oldest is forgotten first (found again if it comes back). */
const MAX_REMEMBERED = 1000;
/** Most characters of an error's message kept for a dead letter. */
const MAX_CAUSE_CHARS = 500;

export class PoisonRecords {
  #suspects: { from: number; to: number } | null = null;
  readonly #poison = new Map<number, string>();
  #inARow = 0;

  /**
   * Learns from a failure: a range becomes suspect, a single record poison.
   * Returns false when it no longer blames records (`MAX_POISON_IN_A_ROW`).
   */
  failed(error: RecordsFailedError): boolean {
    if (error.first !== error.last) {
      this.#suspects = { from: error.first, to: error.last };
      return true;
    }
    if (this.#inARow >= MAX_POISON_IN_A_ROW) return false;
    this.#inARow++;
    this.#poison.set(error.first, describeCause(error.cause));
    if (this.#poison.size > MAX_REMEMBERED) this.#poison.delete(this.#poison.keys().next().value!);
    return true;
  }

  /** The machine handled a record that was not poison: the next poison found is the first in a row again. */
  recordHandled(): void {
    this.#inARow = 0;
  }

  /** Whether the record at `offset` must be handled alone. */
  isSuspect(offset: number): boolean {
    const suspects = this.#suspects;
    return suspects !== null && offset >= suspects.from && offset <= suspects.to;
  }

  /** Why the record at `offset` is poison, or undefined when it is not. */
  poisonAt(offset: number): string | undefined {
    return this.#poison.get(offset);
  }

  /** The input up to `offset` was handled: suspects at or below it are cleared. */
  handledThrough(offset: number): void {
    if (this.#suspects !== null && offset >= this.#suspects.to) this.#suspects = null;
  }

  /** Offsets known to be poison (status, tests). */
  get poisoned(): number[] {
    return [...this.#poison.keys()];
  }
}

function describeCause(cause: unknown): string {
  const text = cause instanceof Error ? `${cause.name}: ${cause.message}` : boundedJson(cause, MAX_CAUSE_CHARS);
  return text.length > MAX_CAUSE_CHARS ? `${text.slice(0, MAX_CAUSE_CHARS)}…` : text;
}
