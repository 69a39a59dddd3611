import type { ConsumedBatch, Isolation } from '../../protocols/transport.ts';
import type { PartitionLog } from './partition-log.ts';
import { Signal } from './signal.ts';

/** How a fetcher hands over a batch and reports its handler's failure. */
export interface FetcherOptions {
  readonly isolation: Isolation;
  readonly maxBatchRecords: number;
  readonly deliver: (batch: ConsumedBatch) => Promise<void>;
  readonly reportError: (error: unknown) => void;
}

/**
 * The fetch loop of one assigned partition of one member. It sleeps until
 * the partition changes (or it is resumed, seeked or stopped), delivers up
 * to `maxBatchRecords` visible records, and waits for the handler to settle
 * before the next batch. The position moves past a batch before the handler
 * runs, so a `seek` made while a batch is in flight wins once it settles.
 * A handler's rejection is reported and the batch counts as delivered.
 */
export class PartitionFetcher {
  readonly #log: PartitionLog;
  readonly #options: FetcherOptions;
  readonly #signal = new Signal();
  readonly #unsubscribe: () => void;
  #position: number;
  #paused = false;
  #active = true;
  #loop: Promise<void> | null = null;

  constructor(log: PartitionLog, position: number, options: FetcherOptions) {
    this.#log = log;
    this.#position = position;
    this.#options = options;
    this.#unsubscribe = log.onChange(() => this.#signal.notify());
  }

  /** The offset of the next record to deliver. */
  get position(): number {
    return this.#position;
  }

  /** Starts delivering (after the owner was told about the assignment). */
  start(): void {
    if (this.#active) this.#loop ??= this.#run();
  }

  seek(offset: number): void {
    this.#position = offset;
    this.#signal.notify();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#signal.notify();
  }

  /** Delivers nothing more; resolves once the batch in flight (if any) settled. */
  stop(): Promise<void> {
    this.#active = false;
    this.#unsubscribe();
    this.#signal.notify();
    return this.#loop ?? Promise.resolve();
  }

  async #run(): Promise<void> {
    while (this.#active) {
      if (this.#paused || this.#log.deleted) {
        await this.#signal.wait();
        continue;
      }
      const { isolation, maxBatchRecords } = this.#options;
      const { records, nextOffset } = this.#log.fetch(this.#position, isolation, maxBatchRecords);
      this.#position = nextOffset;
      if (records.length === 0) {
        await this.#signal.wait();
        continue;
      }
      const batch: ConsumedBatch = {
        topic: this.#log.topic,
        partition: this.#log.partition,
        records,
        highWatermark: this.#log.endOffset(isolation),
      };
      try {
        await this.#options.deliver(batch);
      } catch (error) {
        this.#options.reportError(error);
      }
    }
  }
}
