import type { ConsumedRecord, TopicPartition } from '../../protocols/transport.ts';

/** How many chunks a cursor buffers before it asks to pause its partition. */
const BUFFERED_CHUNKS = 4;

/**
 * One bounded read of one partition, [next, until): the fetch side pushes
 * chunks, the reader's async iterator takes them. When the reader falls
 * behind, `wantsFetching()` turns false and the session pauses the partition.
 */
export class ReadCursor {
  readonly partition: TopicPartition;
  readonly until: number;
  /** The next offset this cursor needs from the log. */
  next: number;
  readonly #chunks: ConsumedRecord[][] = [];
  #finished = false;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;
  readonly #onDrained: () => void;

  constructor(partition: TopicPartition, from: number, until: number, onDrained: () => void) {
    this.partition = partition;
    this.next = from;
    this.until = until;
    this.#onDrained = onDrained;
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** Whether the session should fetch for this cursor now. */
  wantsFetching(): boolean {
    return !this.#finished && this.#chunks.length < BUFFERED_CHUNKS;
  }

  /** Takes the records of a fetched batch in [next, until) and moves past `lastOffset`. */
  accept(records: readonly ConsumedRecord[], lastOffset: number): void {
    const wanted = records.filter((r) => r.offset >= this.next && r.offset < this.until);
    if (wanted.length > 0) this.#chunks.push(wanted);
    this.advanceTo(lastOffset + 1);
    this.#wake?.();
  }

  /** The log has nothing to deliver before `offset` (aborted records, control records, compaction). */
  advanceTo(offset: number): void {
    if (offset > this.next) this.next = offset;
    if (this.next >= this.until) this.#finished = true;
    this.#wake?.();
  }

  /**
   * The log cannot deliver the rest of the range (the session's consumer
   * crashed on a batch it cannot decode): the reader gets the chunks already
   * taken, then `error`, instead of waiting for records that never come.
   */
  fail(error: Error): void {
    if (this.#finished) return;
    this.#failure = error;
    this.#finished = true;
    this.#wake?.();
  }

  /** The next chunk, or undefined once the range is read; throws the error of `fail` once the chunks before it are taken. */
  async take(): Promise<ConsumedRecord[] | undefined> {
    for (;;) {
      const chunk = this.#chunks.shift();
      if (chunk !== undefined) {
        if (this.#chunks.length === BUFFERED_CHUNKS - 1) this.#onDrained();
        return chunk;
      }
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#finished) return undefined;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}
