/**
 * The one writer of a hosted partition: a FIFO of write jobs, each committed
 * in a transaction of the partition's own transactional producer. Jobs queued
 * while a transaction is in flight are merged into the next one, so a busy
 * partition pays one commit per round trip, not one per batch.
 *
 * Order is the guarantee everything else rests on: a job commits only after
 * every job queued before it committed, and a failed job stops the writer for
 * good (the partition must be restored again), so the log never holds a later
 * job without the earlier ones.
 */
import type { ProducedRecord, TransactionalProducer } from '../protocols/transport.ts';
import { CommitOutcomeUnknownError, PartitionAbandonedError, isFenced, isRetriable } from '../protocols/errors.ts';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES, producedRecordBytes } from '../protocols/record-size.ts';

export interface WriteJob {
  /** Records in the order they must appear (outputs, dead letters, publications, markers, snapshot). */
  readonly records: readonly ProducedRecord[];
  /** Input offset to commit for the stage's group with these records, if any. */
  readonly commitOffset?: number;
  /** Metadata committed with that offset (a release: ./partition/release.ts). */
  readonly commitMetadata?: string;
  /** Called after the transaction holding this job committed. */
  readonly onCommitted?: () => void;
}

export interface PartitionWriterOptions {
  readonly producer: TransactionalProducer;
  readonly groupId: string;
  readonly inputTopic: string;
  readonly partition: number;
  /** Called once when the writer stops for good (fenced, or a non-retriable error). */
  readonly onFailed: (error: unknown) => void;
  /** Called after each transaction commits, with what it wrote. */
  readonly onTransaction?: (records: readonly ProducedRecord[], durationMs: number) => void;
  /** Most records merged into one transaction. @default 20000 */
  readonly maxRecordsPerTransaction?: number;
  /**
   * The largest record batch a topic takes (`max.message.bytes`). A send puts
   * every record of one partition into one batch, so a transaction's records
   * go in as many sends as keep each partition's share of a send within it.
   * @default Kafka's default, 1,048,588
   */
  readonly maxBatchBytesOf?: (topic: string) => number;
  /** Attempts for a retriable failure before giving up. @default 5 */
  readonly attempts?: number;
  readonly sleep: (ms: number) => Promise<void>;
}

export class PartitionWriter {
  readonly #options: PartitionWriterOptions;
  #queue: WriteJob[] = [];
  #queuedRecords = 0;
  #running: Promise<void> | null = null;
  #failure: unknown = null;
  #transactions = 0;
  #abandoned = false;
  #held = false;
  #wakeFromBackOff: (() => void) | null = null;

  constructor(options: PartitionWriterOptions) {
    this.#options = options;
  }

  /** Records waiting to be written (for back-pressure). */
  get backlog(): number {
    return this.#queuedRecords;
  }

  get failed(): boolean {
    return this.#failure !== null;
  }

  get transactions(): number {
    return this.#transactions;
  }

  enqueue(job: WriteJob): void {
    if (this.#failure !== null) return;
    this.#queue.push(job);
    this.#queuedRecords += job.records.length;
    this.#start();
  }

  /**
   * Starts no transaction until `resume`: jobs enqueued meanwhile gather and
   * go together (a partition's final writes, so that the last of them carries
   * the release, ./partition/release.ts). A transaction in flight completes.
   */
  hold(): void {
    this.#held = true;
  }

  resume(): void {
    this.#held = false;
    this.#start();
  }

  #start(): void {
    if (this.#held || this.#queue.length === 0) return;
    this.#running ??= this.#run().finally(() => {
      this.#running = null;
      // A job enqueued while the last transaction ended still has to go.
      if (this.#failure === null) this.#start();
    });
  }

  /**
   * Stops for good without writing anything more: queued jobs are dropped and
   * a retry waiting out its back-off gives up (the host was abandoned; its
   * successor restores from what was committed). `onFailed` is not called.
   */
  abandon(): void {
    if (this.#abandoned) return;
    this.#abandoned = true;
    this.#failure ??= new PartitionAbandonedError('the partition was abandoned; its writes were dropped');
    this.#queue = [];
    this.#queuedRecords = 0;
    this.#wakeFromBackOff?.();
  }

  /** Resolves once everything queued so far is committed (held jobs excepted); rejects if the writer failed. */
  async flush(): Promise<void> {
    while (this.#running !== null) await this.#running;
    if (this.#failure !== null) throw this.#failure;
  }

  async #run(): Promise<void> {
    while (this.#queue.length > 0 && this.#failure === null && !this.#held) {
      const jobs = this.#takeJobs();
      const started = performance.now();
      try {
        await this.#commitWithRetries(jobs);
      } catch (error) {
        if (this.#abandoned) return;
        this.#failure = error;
        this.#queue = [];
        this.#queuedRecords = 0;
        this.#options.onFailed(error);
        return;
      }
      this.#options.onTransaction?.(jobs.flatMap((job) => job.records), performance.now() - started);
      for (const job of jobs) job.onCommitted?.();
    }
  }

  #takeJobs(): WriteJob[] {
    const limit = this.#options.maxRecordsPerTransaction ?? 20_000;
    const jobs: WriteJob[] = [];
    let records = 0;
    while (this.#queue.length > 0) {
      const next = this.#queue[0]!;
      if (jobs.length > 0 && records + next.records.length > limit) break;
      jobs.push(this.#queue.shift()!);
      records += next.records.length;
    }
    this.#queuedRecords -= records;
    return jobs;
  }

  async #commitWithRetries(jobs: readonly WriteJob[]): Promise<void> {
    const attempts = this.#options.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#commit(jobs);
        this.#transactions++;
        return;
      } catch (error) {
        if (this.#abandoned || isFenced(error) || !isRetriable(error) || attempt >= attempts) throw error;
        await this.#backOff(100 * 2 ** attempt);
        if (this.#abandoned) throw this.#failure;
      }
    }
  }

  /** Waits before a retry; `abandon` cuts the wait short. */
  #backOff(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#wakeFromBackOff = resolve;
      void this.#options.sleep(ms).then(resolve);
    }).finally(() => {
      this.#wakeFromBackOff = null;
    });
  }

  /**
   * The records in order, cut into sends so that no partition's records in
   * one send exceed its topic's batch limit. Sends go one after another, so
   * the order within each partition holds. A record alone above its limit
   * still goes (in a send of its own): it is the broker's to refuse.
   */
  #sends(records: readonly ProducedRecord[]): ProducedRecord[][] {
    const limitOf = this.#options.maxBatchBytesOf ?? (() => KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
    const sends: ProducedRecord[][] = [];
    let current: ProducedRecord[] = [];
    let bytesByPartition = new Map<string, number>();
    for (const record of records) {
      const partition = `${record.topic}\u0000${record.partition}`;
      const bytes = producedRecordBytes(record);
      const total = (bytesByPartition.get(partition) ?? 0) + bytes;
      if (current.length > 0 && total > limitOf(record.topic)) {
        sends.push(current);
        current = [];
        bytesByPartition = new Map();
      }
      current.push(record);
      bytesByPartition.set(partition, (bytesByPartition.get(partition) ?? 0) + bytes);
    }
    if (current.length > 0) sends.push(current);
    return sends;
  }

  async #commit(jobs: readonly WriteJob[]): Promise<void> {
    const transaction = await this.#options.producer.transaction();
    let committing = false;
    try {
      for (const send of this.#sends(jobs.flatMap((job) => job.records))) await transaction.send(send);
      const offsets = jobs.map((job) => job.commitOffset).filter((offset): offset is number => offset !== undefined);
      if (offsets.length > 0) {
        const offset = Math.max(...offsets);
        const metadata = jobs.findLast((job) => job.commitMetadata !== undefined)?.commitMetadata;
        await transaction.sendOffsets(this.#options.groupId, [
          { topic: this.#options.inputTopic, partition: this.#options.partition, offset, ...(metadata === undefined ? {} : { metadata }) },
        ]);
      }
      committing = true;
      await transaction.commit();
    } catch (error) {
      // Aborting and writing the same jobs again is right only if the commit was never asked for:
      // a commit that failed may still have taken effect, and a second copy would publish twice.
      if (committing && !isFenced(error)) {
        throw new CommitOutcomeUnknownError(`partition ${this.#options.inputTopic}[${this.#options.partition}]: commit failed (${error instanceof Error ? error.message : String(error)}); restoring settles whether it took effect`, { cause: error });
      }
      if (isFenced(error)) throw error;
      try {
        await transaction.abort();
      } catch (abortError) {
        // Fenced while aborting: a newer producer with this transactional id took over (a hand-over's
        // successor), and its initialisation aborted this open transaction. Its outcome is known.
        if (isFenced(abortError)) throw abortError;
        // The coordinator never heard the abort: the records of this attempt may still sit in the producer's open
        // transaction, and a retry with the same producer would add a second copy to it and commit both.
        // Only a new producer (its initialisation bumps the epoch and aborts what is open) settles it: restore.
        throw new CommitOutcomeUnknownError(
          `partition ${this.#options.inputTopic}[${this.#options.partition}]: a failed transaction could not be aborted (${abortError instanceof Error ? abortError.message : String(abortError)}); restoring settles it`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}
