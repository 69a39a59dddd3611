/**
 * A global table: every node reads a changelog topic from the earliest offset
 * (blocking start-up until it has caught up) and then follows it live, like a
 * Kafka Streams GlobalKTable. Changes go to every subscriber (the partition
 * hosts of the stages that declared the table).
 */
import type { PartitionReader, TopicFollower, ConsumedRecord } from '../protocols/transport.ts';
import type { TableChange } from '../protocols/stage.ts';
import type { TableDefinition } from './stage.ts';
import type { Logger } from './logger.ts';

/** Longest a table decodes and applies records before it yields to the event loop. */
const APPLY_SLICE_MS = 8;

/** A changelog record the table's `decode` rejected (or that had no key), for the dead-letter topic. */
export interface RejectedTableRecord {
  readonly record: ConsumedRecord;
  readonly error: unknown;
}

/** Told of every batch of changes a table applied, in changelog order. */
export type TableListener<Value = unknown> = (changes: readonly TableChange<Value>[]) => void;

/**
 * A table as a node's user reads it (`node.table(name)`): the current value
 * of each key, and its changes as they are applied. Read-only: the table
 * changes only through its changelog topic.
 *
 * @example
 * ```ts
 * const limits = node.table('rate-limits');
 * console.log(`${limits?.size} limits, shop: ${limits?.get('shop')}`);
 * limits?.subscribe((changes) => console.log(changes.map((change) => change.key)));
 * ```
 */
export interface TableView<Value = unknown> {
  /** The table's name, as stages name it. */
  readonly name: string;
  /** How many keys have a value. */
  readonly size: number;
  /** The current value of a key. */
  get(key: string): Value | undefined;
  /** The whole table as changes, for a reader that starts now. */
  snapshot(): TableChange<Value>[];
  /** Subscribes to the changes applied from now on; returns the unsubscribe function. */
  subscribe(listener: TableListener<Value>): () => void;
}

/** A table kept by a node: it follows the changelog and tells its subscribers (the stages' partition hosts). */
export class TableStore<Value = unknown> implements TableView<Value> {
  readonly definition: TableDefinition<Value>;
  readonly #entries = new Map<string, Value>();
  readonly #listeners = new Set<TableListener<Value>>();
  readonly #onRejected: (rejected: RejectedTableRecord) => void;
  #follower: TopicFollower | null = null;

  constructor(definition: TableDefinition<Value>, onRejected: (rejected: RejectedTableRecord) => void) {
    this.definition = definition;
    this.#onRejected = onRejected;
  }

  get name(): string {
    return this.definition.name;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): Value | undefined {
    return this.#entries.get(key);
  }

  /** The whole table as changes, for a subscriber that starts now. */
  snapshot(): TableChange<Value>[] {
    return [...this.#entries].map(([key, value]) => ({ key, value }));
  }

  subscribe(listener: TableListener<Value>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts following the changelog; resolves once caught up with the end offsets taken now. */
  async start(reader: PartitionReader, logger: Logger, onProgress?: (read: number, total: number) => void): Promise<void> {
    this.#follower = await reader.follow(this.definition.topic, {
      onRecords: (records) => this.#apply(records),
      onProgress,
    });
    await this.#follower.caughtUp;
    logger.info({ table: this.name, topic: this.definition.topic, entries: this.#entries.size }, 'table caught up');
  }

  async stop(): Promise<void> {
    await this.#follower?.stop();
    this.#follower = null;
  }

  /**
   * Decodes and applies a batch in slices of at most `APPLY_SLICE_MS`,
   * yielding to the event loop between them: a fetch of a changelog can
   * hold thousands of records, and decoding them (a table's `decode` may do
   * real work, as the queries table compiling each query does) in one go
   * starved the heartbeats. Each slice's changes go to the subscribers
   * before the next slice starts, so they arrive complete and in order.
   */
  async #apply(records: readonly ConsumedRecord[]): Promise<void> {
    let changes: TableChange<Value>[] = [];
    let sliceStarted = performance.now();
    for (let index = 0; index < records.length; index++) {
      this.#applyRecord(records[index]!, changes);
      if (index % 64 === 63 && performance.now() - sliceStarted >= APPLY_SLICE_MS) {
        this.#tell(changes);
        changes = [];
        await new Promise((resolve) => setImmediate(resolve));
        sliceStarted = performance.now();
      }
    }
    this.#tell(changes);
  }

  #applyRecord(record: ConsumedRecord, changes: TableChange<Value>[]): void {
    if (record.key === null) {
      this.#onRejected({ record, error: new Error('table record without a key') });
      return;
    }
    if (record.value === null) {
      if (this.#entries.delete(record.key)) changes.push({ key: record.key, value: null });
      return;
    }
    try {
      const value = this.definition.decode(record.value);
      this.#entries.set(record.key, value);
      changes.push({ key: record.key, value });
    } catch (error) {
      this.#onRejected({ record, error });
    }
  }

  #tell(changes: readonly TableChange<Value>[]): void {
    if (changes.length === 0) return;
    for (const listener of this.#listeners) listener(changes);
  }
}
