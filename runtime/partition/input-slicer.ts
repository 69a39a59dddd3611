/**
 * Cuts fetched records into the messages a partition machine receives.
 *
 * - A record below the next offset expected is dropped: a fetch after a seek
 *   may deliver records again, and a partition handles each offset once.
 * - A message holds at most `maxRecords` records, so no slice of work runs
 *   long (the mailbox yields between messages).
 * - Replayed and new records never share a message: the outputs of replayed
 *   input are not written again, so the runtime must know which is which.
 * - A record to isolate (a suspect of poison-records.ts) has a message of
 *   its own, so a failure blames exactly it.
 */
import type { ConsumedRecord } from '../../protocols/transport.ts';

/** Records for one message, all replayed or all new. */
export interface InputSlice {
  readonly records: readonly ConsumedRecord[];
  readonly replayed: boolean;
}

export class InputSlicer {
  readonly #maxRecords: number;
  readonly #isReplayed: (offset: number) => boolean;
  readonly #isolate: (offset: number) => boolean;
  #expected = 0;

  constructor(maxRecords: number, isReplayed: (offset: number) => boolean, isolate: (offset: number) => boolean = () => false) {
    this.#maxRecords = maxRecords;
    this.#isReplayed = isReplayed;
    this.#isolate = isolate;
  }

  /** The next offset expected; records below it are dropped. */
  get expected(): number {
    return this.#expected;
  }

  /** Input resumes here (after a restore's seek). */
  startAt(offset: number): void {
    this.#expected = offset;
  }

  /** The slices of a fetched batch, in offset order; records already seen are left out. */
  slice(records: readonly ConsumedRecord[]): InputSlice[] {
    const slices: InputSlice[] = [];
    let current: ConsumedRecord[] = [];
    let replayed = false;
    let alone = false;
    for (const record of records) {
      if (record.offset < this.#expected) continue;
      this.#expected = record.offset + 1;
      const isReplayed = this.#isReplayed(record.offset);
      const isolated = this.#isolate(record.offset);
      if (current.length > 0 && (current.length >= this.#maxRecords || isReplayed !== replayed || isolated || alone)) {
        slices.push({ records: current, replayed });
        current = [];
      }
      replayed = isReplayed;
      alone = isolated;
      current.push(record);
    }
    if (current.length > 0) slices.push({ records: current, replayed });
    return slices;
  }
}
