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

  #apply(records: readonly ConsumedRecord[]): void {
    const changes: TableChange<Value>[] = [];
    for (const record of records) {
      if (record.key === null) {
        this.#onRejected({ record, error: new Error('table record without a key') });
        continue;
      }
      if (record.value === null) {
        if (this.#entries.delete(record.key)) changes.push({ key: record.key, value: null });
        continue;
      }
      try {
        const value = this.definition.decode(record.value);
        this.#entries.set(record.key, value);
        changes.push({ key: record.key, value });
      } catch (error) {
        this.#onRejected({ record, error });
      }
    }
    if (changes.length === 0) return;
    for (const listener of this.#listeners) listener(changes);
  }
}
