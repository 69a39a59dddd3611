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

export interface RejectedTableRecord {
  readonly record: ConsumedRecord;
  readonly error: unknown;
}

export type TableListener = (changes: readonly TableChange[]) => void;

export class TableStore<Value = unknown> {
  readonly definition: TableDefinition<Value>;
  readonly #entries = new Map<string, Value>();
  readonly #listeners = new Set<TableListener>();
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

  subscribe(listener: TableListener): () => void {
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
