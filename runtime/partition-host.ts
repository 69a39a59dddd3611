/**
 * Hosts one partition of a stage. It owns the partition's lifecycle and its
 * I/O, and coordinates parts that each do one thing (runtime/partition/):
 * the restorer finds where the partition resumes, the processor runs the
 * machine with its ledger, router and snapshot policy, the writer commits,
 * the slicer and back-pressure pace the input. Everything that happens to
 * the partition's state is a message through its mailbox, handled one at a
 * time.
 *
 * Restore (off the heartbeat path: the partition stays paused meanwhile):
 * fence the previous owner by connecting the partition's transactional
 * producer, find the seed (`restorePartition`), rebuild the actor, send it
 * its tables and `eventide.restored`, seek the input, resume.
 *
 * Exactly once rests on three rules, argued in docs/exactly-once.md:
 * - every write goes through the partition writer, one transaction per job,
 *   in order (a failed job stops the writer);
 * - a publication's records and its marker share a transaction, and the
 *   ledger never writes a key that is durable (it is acknowledged instead);
 * - replayed input below the last marker's offset writes no plain outputs,
 *   because those were committed with that marker.
 */
import type { Actor, AnyStateMachine } from 'xstate';
import type { ConsumedBatch, ProducedRecord, TopicPartition, TransactionalProducer } from '../protocols/transport.ts';
import type { RuntimeMessage } from '../protocols/stage.ts';
import { isFenced, PartitionAbandonedError } from '../protocols/errors.ts';
import { DEFAULT_DEAD_LETTER_TOPIC, type StageDefinition } from './stage.ts';
import { Mailbox } from './mailbox.ts';
import { PartitionLifecycle, type PartitionState } from './partition-lifecycle.ts';
import { PartitionWriter } from './partition-writer.ts';
import type { Logger } from './logger.ts';
import { restorePartition, restoreReport, type RestoreReport } from './partition/restorer.ts';
import { PartitionProcessor, type HostMessage } from './partition/partition-processor.ts';
import { OutputAddresser } from './partition/output-addresser.ts';
import { BackPressure } from './partition/back-pressure.ts';
import { InputSlicer } from './partition/input-slicer.ts';
import type { PartitionHostContext } from './partition/host-context.ts';

export type { PartitionHostContext } from './partition/host-context.ts';
export type { RestoreReport } from './partition/restorer.ts';
export { MAX_DEAD_LETTER_ORIGINAL_BYTES } from './partition/output-addresser.ts';

export interface PartitionHostStats {
  readonly stage: string;
  readonly partition: number;
  readonly state: PartitionState;
  readonly nextOffset: number;
  readonly recordsIn: number;
  readonly snapshots: number;
  readonly lastSnapshotAt: number | null;
  readonly transactions: number;
  readonly restore: RestoreReport | null;
}

export class PartitionHost {
  readonly stage: StageDefinition<unknown>;
  readonly partition: number;
  readonly generation: number;
  readonly lifecycle: PartitionLifecycle;
  readonly #context: PartitionHostContext;
  readonly #logger: Logger;
  readonly #mailbox: Mailbox<HostMessage>;
  readonly #backPressure: BackPressure;
  #producer: TransactionalProducer | null = null;
  #writer: PartitionWriter | null = null;
  #processor: PartitionProcessor | null = null;
  #slicer: InputSlicer | null = null;
  #restore: RestoreReport | null = null;

  constructor(stage: StageDefinition<unknown>, partition: number, generation: number, context: PartitionHostContext) {
    this.stage = stage;
    this.partition = partition;
    this.generation = generation;
    this.#context = context;
    this.#logger = context.logger.child({ stage: stage.name, partition });
    this.lifecycle = new PartitionLifecycle(`${stage.name}[${partition}]`, (from, to) => this.#logger.debug({ from, to }, 'partition lifecycle'));
    this.#mailbox = new Mailbox<HostMessage>({ handle: (message) => this.#processor?.handle(message), onError: (error) => this.#fail(error), onDrained: () => this.#relieve() });
    this.#backPressure = new BackPressure(
      { mailboxSize: () => this.#mailbox.size, writerBacklog: () => this.#writer?.backlog ?? 0 },
      { pause: () => context.consumer.pause([this.#input]), resume: () => context.consumer.resume([this.#input]) },
    );
  }

  get #input(): TopicPartition {
    return { topic: this.stage.input.topic, partition: this.partition };
  }

  get transactionalId(): string {
    return `${this.#context.groupId}.${this.partition}`;
  }

  /** The running actor (for inspection); null before restore and after stop. */
  get actor(): Actor<AnyStateMachine> | null {
    return this.#processor?.actor ?? null;
  }

  stats(): PartitionHostStats {
    const processor = this.#processor;
    return {
      stage: this.stage.name, partition: this.partition, state: this.lifecycle.state, nextOffset: processor?.nextOffset ?? 0, recordsIn: processor?.recordsIn ?? 0,
      snapshots: processor?.snapshots?.written ?? 0, lastSnapshotAt: processor?.snapshots?.lastWrittenAt ?? null, transactions: this.#writer?.transactions ?? 0, restore: this.#restore,
    };
  }

  /** Fences the previous owner, restores, seeks and resumes. The partition must be paused by the caller. */
  async start(): Promise<RestoreReport> {
    this.lifecycle.transitionTo('restoring');
    const started = performance.now();
    const { transport, reader, clock, groupId, partitionsOf } = this.#context;
    const { stage, partition } = this;
    const producer = (this.#producer = transport.transactionalProducer(this.transactionalId));
    const writer = (this.#writer = new PartitionWriter({
      producer, groupId, inputTopic: stage.input.topic, partition, sleep: (ms) => clock.sleep(ms),
      onFailed: (error) => this.#fail(error),
      onTransaction: (records, durationMs) => this.#committed(records, durationMs),
    }));
    await producer.connect();
    this.#assertRestoring();
    const snapshotsTopic = stage.snapshots?.topic;
    const seed = await restorePartition(
      { reader, committedOffsets: () => transport.admin().fetchCommittedOffsets(groupId, stage.input.topic) },
      { stage: stage.name, partition, inputTopic: stage.input.topic, ...(snapshotsTopic === undefined ? {} : { snapshotsTopic }) },
    );
    if (seed.ignored.incomplete + seed.ignored.corrupt > 0) this.#logger.warn({ ...seed.ignored }, 'ignored incomplete or corrupt snapshots while restoring');
    this.#assertRestoring();
    const addresser = new OutputAddresser({ stage: stage.name, partition, inputTopic: stage.input.topic, deadLetterTopic: stage.deadLetterTopic ?? DEFAULT_DEAD_LETTER_TOPIC, ...(snapshotsTopic === undefined ? {} : { snapshotsTopic }), partitionsOf, clock });
    const processor = (this.#processor = new PartitionProcessor({
      stage, partition, generation: this.generation, nodeId: this.#context.nodeId, seed, writer, addresser, clock, logger: this.#logger, instrumentation: this.#context.instrumentation,
      input: { ...stage.machineInput, stage: stage.name, partition, inputPartitions: partitionsOf(stage.input.topic) ?? 0, now: clock.now() },
      ...(this.#context.inspect === undefined ? {} : { inspect: this.#context.inspect }),
      post: (message) => this.#mailbox.post({ kind: 'message', message }),
    }));
    processor.start();
    for (const table of stage.tables ?? []) this.#mailbox.post({ kind: 'message', message: { type: 'eventide.table', table, reset: true, changes: this.#context.tableSnapshot(table), now: clock.now() } });
    this.#mailbox.post({ kind: 'message', message: processor.restoredMessage(clock.now()) });
    this.#restore = restoreReport(seed, clock.now(), Math.round(performance.now() - started));
    this.#slicer = new InputSlicer(stage.maxRecordsPerMessage ?? 500, (offset) => processor.isReplayed(offset));
    this.#slicer.startAt(seed.nextOffset);
    this.#context.consumer.seek({ ...this.#input, offset: seed.nextOffset });
    processor.snapshots?.startInterval((reason) => this.requestSnapshot(reason));
    this.lifecycle.transitionTo('running');
    this.#context.consumer.resume([this.#input]);
    return this.#restore;
  }

  #assertRestoring(): void {
    if (!this.lifecycle.is('restoring')) throw new PartitionAbandonedError(`${this.stage.name}[${this.partition}] was revoked or abandoned while restoring`);
  }

  /** Records fetched for this partition. Returns at once; the mailbox handles them in slices. */
  deliver(batch: ConsumedBatch): void {
    if (!this.lifecycle.is('running')) {
      this.#logger.warn({ state: this.lifecycle.state, records: batch.records.length }, 'records delivered outside running are dropped; the input is re-read from the restored offset');
      return;
    }
    for (const slice of this.#slicer!.slice(batch.records)) this.#mailbox.post({ kind: 'records', records: slice.records, replayed: slice.replayed });
    this.#backPressure.maybePause();
  }

  /** A message from the node: tick, table change. */
  post(message: RuntimeMessage): void {
    if (this.lifecycle.is('running')) this.#mailbox.post({ kind: 'message', message });
  }

  requestSnapshot(reason: string): void {
    if (this.stage.snapshots !== undefined && this.lifecycle.is('running', 'revoking')) this.#mailbox.post({ kind: 'snapshot', reason });
  }

  /** Resolves once every message posted so far is handled and what it wrote is committed (or the writer failed). */
  async idle(): Promise<void> {
    await this.#mailbox.idle();
    await this.#writer?.flush().catch(() => {});
  }

  /** Final snapshot, everything written, actor stopped. */
  async revoke(): Promise<void> {
    if (this.lifecycle.is('stopped', 'failed')) {
      if (this.lifecycle.is('failed')) this.lifecycle.transitionTo('stopped');
      return;
    }
    const wasRunning = this.lifecycle.is('running');
    this.lifecycle.transitionTo('revoking');
    this.#processor?.snapshots?.stop();
    if (wasRunning) {
      this.#mailbox.post({ kind: 'message', message: { type: 'eventide.revoke', now: this.#context.clock.now() } });
      this.requestSnapshot('revocation');
      await this.#mailbox.idle();
      if (this.stage.snapshots === undefined) this.#processor?.flush();
      await this.#writer?.flush().catch((error: unknown) => {
        if (!(error instanceof PartitionAbandonedError)) this.#logger.warn({ err: String(error) }, 'final writes failed during revocation');
      });
    }
    this.#stopProcessing();
    await this.#disconnectProducer();
    this.lifecycle.transitionTo('stopped');
  }

  /**
   * Stops at once and writes nothing more: no final snapshot, queued writes
   * dropped, the producer closed. For a partition lost (its consumer crashed
   * or was expelled), fenced or failed, and a node that dies. Safe in any state.
   */
  abandon(): void {
    this.#writer?.abandon();
    this.#stopProcessing();
    if (this.lifecycle.is('assigned', 'restoring', 'running', 'revoking')) this.lifecycle.transitionTo('failed');
    void this.#disconnectProducer();
  }

  #stopProcessing(): void {
    this.#mailbox.close();
    this.#processor?.stop();
  }

  async #disconnectProducer(): Promise<void> {
    const producer = this.#producer;
    this.#producer = null;
    await producer?.disconnect().catch((error: unknown) => this.#logger.warn({ err: String(error) }, 'closing the partition producer failed'));
  }

  #committed(records: readonly ProducedRecord[], durationMs: number): void {
    const recordsByTopic: Record<string, number> = {};
    for (const record of records) recordsByTopic[record.topic] = (recordsByTopic[record.topic] ?? 0) + 1;
    this.#context.instrumentation.emit('transaction.committed', { stage: this.stage.name, partition: this.partition, recordsByTopic, durationMs });
    this.#relieve();
  }

  /** Work got done: the input may resume if back-pressure paused it. */
  #relieve(): void {
    if (this.lifecycle.is('running')) this.#backPressure.maybeResume();
  }

  #fail(error: unknown): void {
    if (this.lifecycle.is('failed', 'stopped')) return;
    const fields = { err: error instanceof Error ? (error.stack ?? error.message) : String(error), fenced: isFenced(error) };
    // kafkajs tells the old owner of its revocation no sooner than the new owner
    // of its assignment, so a final snapshot is often fenced: that is the
    // hand-over working (the new owner restores the snapshot before), not a fault.
    if (isFenced(error) && this.lifecycle.is('revoking')) this.#logger.warn(fields, 'fenced while writing the final snapshot; the new owner restores from the one before');
    else this.#logger.error(fields, isFenced(error) ? 'fenced by a newer owner; giving up the partition' : 'partition failed');
    try {
      this.#context.consumer.pause([this.#input]);
    } catch {
      // The partition may already be gone from the assignment.
    }
    // The node lives on: abandoning closes this producer, so nothing of it retries behind the restored partition's back.
    this.abandon();
    this.#context.instrumentation.emit('partition.failed', { stage: this.stage.name, partition: this.partition, error });
    this.#context.onFailed(this, error);
  }
}
