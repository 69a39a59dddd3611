import type { ConsumedRecord, Isolation } from '../../protocols/transport.ts';

/** What the log needs to know about the transaction a record belongs to. */
export interface TransactionMark {
  readonly status: 'open' | 'committed' | 'aborted';
}

/**
 * One slot of the log. A commit or abort marker takes an offset like Kafka's
 * control records (so nothing may assume offsets of delivered records are
 * contiguous) but is never delivered.
 */
interface LogEntry {
  readonly record: ConsumedRecord | null;
  readonly transaction: TransactionMark | null;
}

/** A record about to be appended: the log assigns topic, partition and offset. */
export interface AppendedRecord {
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number;
}

/** The result of a fetch: the visible records, and where the next fetch starts. */
export interface FetchResult {
  readonly records: ConsumedRecord[];
  /** The offset after the last entry examined (skipped markers and aborted records included). */
  readonly nextOffset: number;
}

/**
 * One partition of a topic: an append-only array indexed by offset, the
 * high-water mark, and the last stable offset kept incrementally (it only
 * needs recomputing when a transaction ends), so a fetch costs what it reads.
 */
export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly #entries: LogEntry[] = [];
  readonly #startOffset = 0;
  /** Open transactions on this partition, with their first offset here. */
  readonly #open = new Map<TransactionMark, number>();
  #lastStableOffset = 0;
  readonly #listeners = new Set<() => void>();
  #deleted = false;

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }

  /** The earliest offset still in the log (retention is not enforced: always 0). */
  get startOffset(): number {
    return this.#startOffset;
  }

  /** The offset the next appended entry takes. */
  get highWatermark(): number {
    return this.#startOffset + this.#entries.length;
  }

  /** The first offset of the oldest open transaction, or the high-water mark when none is open. */
  get lastStableOffset(): number {
    return this.#lastStableOffset;
  }

  /** Whether the topic was deleted; readers waiting on it should give up. */
  get deleted(): boolean {
    return this.#deleted;
  }

  /** Where readers with this isolation stop: the last stable offset or the high-water mark. */
  endOffset(isolation: Isolation): number {
    return isolation === 'read_committed' ? this.#lastStableOffset : this.highWatermark;
  }

  /** Appends records, in order, as one write; `transaction` is null outside a transaction. */
  append(records: readonly AppendedRecord[], transaction: TransactionMark | null): void {
    if (records.length === 0) return;
    if (transaction !== null && !this.#open.has(transaction)) {
      this.#open.set(transaction, this.highWatermark);
    }
    for (const record of records) {
      const consumed: ConsumedRecord = {
        topic: this.topic,
        partition: this.partition,
        offset: this.highWatermark,
        key: record.key,
        value: record.value,
        headers: record.headers,
        timestamp: record.timestamp,
      };
      this.#entries.push({ record: consumed, transaction });
    }
    this.#updateLastStableOffset();
    this.#notify();
  }

  /**
   * Ends a transaction that wrote here: appends its marker and releases the
   * last stable offset. The transaction's status must already be final.
   */
  endTransaction(transaction: TransactionMark): void {
    if (!this.#open.delete(transaction)) return;
    this.#entries.push({ record: null, transaction });
    this.#updateLastStableOffset();
    this.#notify();
  }

  /**
   * Reads up to `maxRecords` visible records from `fromOffset`, stopping at the
   * end offset for `isolation` or at `untilOffset`. Markers are never returned;
   * under read_committed, records of aborted transactions are skipped.
   */
  fetch(fromOffset: number, isolation: Isolation, maxRecords: number, untilOffset = Infinity): FetchResult {
    const end = Math.min(this.endOffset(isolation), untilOffset);
    const committedOnly = isolation === 'read_committed';
    const records: ConsumedRecord[] = [];
    let offset = Math.max(fromOffset, this.#startOffset);
    while (offset < end && records.length < maxRecords) {
      const entry = this.#entries[offset - this.#startOffset];
      offset += 1;
      if (entry.record === null) continue;
      if (committedOnly && entry.transaction?.status === 'aborted') continue;
      records.push(entry.record);
    }
    return { records, nextOffset: Math.max(offset, fromOffset) };
  }

  /** Calls `listener` after every append, transaction end and deletion; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves at the next change of this partition. */
  changed(): Promise<void> {
    return new Promise((resolve) => {
      const unsubscribe = this.onChange(() => {
        unsubscribe();
        resolve();
      });
    });
  }

  /** Marks the partition deleted and wakes everyone waiting on it. */
  markDeleted(): void {
    this.#deleted = true;
    this.#notify();
  }

  #updateLastStableOffset(): void {
    let lowest = this.highWatermark;
    for (const firstOffset of this.#open.values()) lowest = Math.min(lowest, firstOffset);
    this.#lastStableOffset = lowest;
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
