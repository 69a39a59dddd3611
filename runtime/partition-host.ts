/**
 * Hosts one partition of a stage: owns its lifecycle and its I/O, and
 * coordinates parts that each do one thing (runtime/partition/): the
 * restorer finds where the partition resumes, the processor runs the
 * machine (with the publication ledger, emission router and snapshot
 * policy), the writer commits, the inbox queues and paces the input.
 * Everything that happens to the partition's state is a message through the
 * inbox, handled one at a time.
 *
 * Restore (off the heartbeat path: the partition stays paused meanwhile):
 * fence the previous owner by connecting the partition's transactional
 * producer, find the seed, rebuild the actor, send it its tables and
 * `eventide.restored`, seek the input, resume. The exactly-once rules are
 * the writer's (one ordered transaction per job) and the ledger's; see
 * docs/exactly-once.md.
 */
import type { Actor, AnyStateMachine } from 'xstate';
import type { ConsumedBatch, OffsetCommit, TopicPartition, TransactionalProducer } from '../protocols/transport.ts';
import type { RuntimeMessage } from '../protocols/stage.ts';
import { PartitionAbandonedError } from '../protocols/errors.ts';
import type { StageDefinition } from './stage.ts';
import { PartitionLifecycle } from './partition-lifecycle.ts';
import { PartitionWriter } from './partition-writer.ts';
import type { Logger } from './logger.ts';
import { countByTopic } from './instrumentation.ts';
import { restorePartition, restoreReport, type RestoreReport } from './partition/restorer.ts';
import { PartitionProcessor } from './partition/partition-processor.ts';
import { systemClock } from './clock.ts';
import { awaitRelease, leftAs, releaseMetadata, type HandOverKind } from './partition/release.ts';
import { PartitionInbox } from './partition/partition-inbox.ts';
import { describeFailure } from './partition/failure.ts';
import { isRecordsFailed } from './partition/poison-records.ts';
import type { PartitionHostContext, PartitionHostStats } from './partition/host-contract.ts';

/** How long a new owner waits for a moving partition's release before it fences its last owner (within kafkajs's default rebalance timeout). */
const DEFAULT_RELEASE_TIMEOUT_MS = 30_000;

export type { PartitionHostContext, PartitionHostStats } from './partition/host-contract.ts';

/** What a revocation asks of a host: to release the partition to its next owner (./partition/release.ts). */
export interface ReleaseTerms {
  /** The generation that took the partition away. */
  readonly generation: number;
  /** The next owner starts only after this release (or this revocation): false when it may be processing already. */
  readonly nextOwnerWaits: boolean;
}
export type { RestoreReport } from './partition/restorer.ts';
export { MAX_DEAD_LETTER_ORIGINAL_BYTES } from './partition/output-addresser.ts';

export class PartitionHost {
  readonly stage: StageDefinition<unknown>;
  readonly partition: number;
  readonly generation: number;
  readonly lifecycle: PartitionLifecycle;
  readonly #context: PartitionHostContext;
  readonly #logger: Logger;
  readonly #inbox: PartitionInbox;
  #producer: TransactionalProducer | null = null;
  #writer: PartitionWriter | null = null;
  #processor: PartitionProcessor | null = null;
  #restore: RestoreReport | null = null;
  /** The hand-over phase of `start`: settled once the last owner released the partition, or the wait gave up. */
  #handOver: Promise<unknown> | null = null;
  #producerConnected: Promise<void> | null = null;
  /** Revoked while restoring, to release the partition once its own hand-over settled: the wait goes on. */
  #releasingUnstarted = false;

  constructor(stage: StageDefinition<unknown>, partition: number, generation: number, context: PartitionHostContext) {
    this.stage = stage;
    this.partition = partition;
    this.generation = generation;
    this.#context = context;
    this.#logger = context.logger.child({ stage: stage.name, partition });
    this.lifecycle = new PartitionLifecycle(`${stage.name}[${partition}]`, (from, to) => this.#logger.debug({ from, to }, 'partition lifecycle'));
    this.#inbox = new PartitionInbox({
      handle: (message) => this.#processor?.handle(message),
      onError: (error) => this.#fail(error),
      valve: { pause: () => context.consumer.pause([this.#input]), resume: () => context.consumer.resume([this.#input]) },
      writerBacklog: () => this.#writer?.backlog ?? 0,
      mayResume: () => this.lifecycle.is('running'),
      ...(stage.maxRecordsPerMessage === undefined ? {} : { maxRecordsPerMessage: stage.maxRecordsPerMessage }),
    });
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
    const { transport, reader, clock, groupId, partitionsOf, instrumentation } = this.#context;
    const { stage, partition } = this;
    const { handOver, releaseWaitMs, released } = await (this.#handOver = this.#awaitHandOver());
    this.#assertRestoring();
    const producer = (this.#producer = transport.transactionalProducer(this.transactionalId));
    const writer = (this.#writer = new PartitionWriter({
      // A retry's back-off waits on the broker, not on event time: wall time, as the release wait.
      producer, groupId, inputTopic: stage.input.topic, partition, sleep: systemClock.sleep,
      ...(this.#context.maxRecordBytesOf === undefined ? {} : { maxBatchBytesOf: this.#context.maxRecordBytesOf }),
      onFailed: (error) => this.#fail(error),
      onTransaction: (records, durationMs) => {
        // Counting records by topic walks the whole transaction: only when someone listens.
        if (instrumentation.has('transaction.committed')) instrumentation.emit('transaction.committed', { stage: stage.name, partition, recordsByTopic: countByTopic(records), durationMs });
        this.#context.onProgress?.(this);
        this.#inbox.relieve();
      },
    }));
    await (this.#producerConnected = producer.connect());
    this.#assertRestoring();
    const warm = stage.snapshots === undefined ? undefined : this.#context.warm;
    const seed = await restorePartition(
      { reader, committedOffsets: () => transport.admin().fetchCommittedOffsets(groupId, stage.input.topic) },
      {
        stage: stage.name, partition, inputTopic: stage.input.topic,
        ...(stage.snapshots === undefined ? {} : { snapshotsTopic: stage.snapshots.topic }),
        ...(warm === undefined ? {} : { warm }),
      },
    );
    if (seed.ignored.incomplete + seed.ignored.corrupt > 0) this.#logger.warn({ ...seed.ignored }, 'ignored incomplete or corrupt snapshots while restoring');
    this.#assertRestoring();
    const processor = (this.#processor = new PartitionProcessor({
      stage, partition, generation: this.generation, nodeId: this.#context.nodeId, seed, writer, partitionsOf, clock, logger: this.#logger, instrumentation,
      ...(this.#context.maxRecordBytesOf === undefined ? {} : { maxRecordBytesOf: this.#context.maxRecordBytesOf }),
      ...(this.#context.poison === undefined ? {} : { poison: this.#context.poison }),
      ...(this.#context.inspect === undefined ? {} : { inspect: this.#context.inspect }),
      post: (message) => this.#inbox.post(message),
    }));
    processor.start();
    for (const message of processor.startMessages(this.#context.tableSnapshot, clock.now())) this.#inbox.post(message);
    const replayed = released === null ? null : Math.max(0, released.offset - seed.nextOffset);
    // A partition lost or fenced but resumed from this node's warm copy is a hand-over from a standby.
    const kind: HandOverKind = seed.warm && (handOver === 'lost' || handOver === 'fenced') ? 'standby' : handOver;
    this.#restore = { ...restoreReport(seed, clock.now(), Math.round(performance.now() - started)), handOver: kind, releaseWaitMs, replayed };
    const poison = this.#context.poison;
    this.#inbox.startAt(seed.nextOffset, (offset) => processor.isReplayed(offset), poison === undefined ? undefined : (offset) => poison.isSuspect(offset));
    this.#context.consumer.seek({ ...this.#input, offset: seed.nextOffset });
    processor.snapshots?.startInterval((reason) => this.requestSnapshot(reason));
    this.lifecycle.transitionTo('running');
    this.#context.consumer.resume([this.#input]);
    return this.#restore;
  }

  /**
   * Before fencing: the last owner's release, awaited when the assignor said
   * the partition moves from a live member (bounded by `releaseTimeoutMs`),
   * otherwise read from the committed offset as it is.
   */
  async #awaitHandOver(): Promise<{ handOver: HandOverKind; releaseWaitMs: number; released: OffsetCommit | null }> {
    const { transport, groupId } = this.#context;
    const committed = async (): Promise<OffsetCommit | undefined> => (await transport.admin().fetchOffsetCommits(groupId, this.stage.input.topic)).get(this.partition);
    const from = this.#context.handOverFrom;
    if (from === undefined) {
      const commit = await committed();
      const handOver = leftAs(commit);
      return { handOver, releaseWaitMs: 0, released: handOver === 'clean' ? commit! : null };
    }
    const waitStarted = performance.now();
    const released = await awaitRelease({ committed, from, timeoutMs: this.#context.releaseTimeoutMs ?? DEFAULT_RELEASE_TIMEOUT_MS, abandoned: () => !this.#waitsForRelease() });
    const releaseWaitMs = Math.round(performance.now() - waitStarted);
    if (released === null) this.#logger.warn({ from: from.node, generation: from.generation, waitedMs: releaseWaitMs }, `${from.node} did not release ${this.stage.name}[${this.partition}] in time: fencing it`);
    return { handOver: released === null ? 'fenced' : 'clean', releaseWaitMs, released };
  }

  /** Restoring, or revoked before it ran and about to release the partition itself (not once abandoned). */
  #waitsForRelease(): boolean {
    return this.lifecycle.is('restoring') || (this.#releasingUnstarted && this.lifecycle.is('revoking'));
  }

  #assertRestoring(): void {
    if (!this.lifecycle.is('restoring')) throw new PartitionAbandonedError(`${this.stage.name}[${this.partition}] was revoked or abandoned while restoring`);
  }

  /** Records fetched for this partition. Returns at once; the inbox handles them in slices. */
  deliver(batch: ConsumedBatch): void {
    if (this.lifecycle.is('running')) this.#inbox.deliver(batch.records);
    else this.#logger.warn({ state: this.lifecycle.state, records: batch.records.length }, 'records delivered outside running are dropped; the input is re-read from the restored offset');
  }

  /** A message from the node: tick, table change. */
  post(message: RuntimeMessage): void {
    if (this.lifecycle.is('running')) this.#inbox.post(message);
  }

  requestSnapshot(reason: string): void {
    if (this.stage.snapshots !== undefined && this.lifecycle.is('running', 'revoking')) this.#inbox.requestSnapshot(reason);
  }

  /** Resolves once every message posted so far is handled and what it wrote is committed (or the writer failed). */
  async idle(): Promise<void> {
    await this.#inbox.idle();
    await this.#writer?.flush().catch(() => {});
  }

  /**
   * Final snapshot, everything written, actor stopped. With `release` the
   * last transaction also releases the partition (./partition/release.ts),
   * and the new owner starts from it without fencing or replaying.
   */
  async revoke(release?: ReleaseTerms): Promise<void> {
    if (this.lifecycle.is('failed')) this.lifecycle.transitionTo('stopped');
    if (this.lifecycle.is('stopped')) return;
    const wasRunning = this.lifecycle.is('running');
    const unstarted = this.lifecycle.is('restoring') && release?.nextOwnerWaits === true;
    this.#releasingUnstarted = unstarted;
    this.lifecycle.transitionTo('revoking');
    this.#processor?.snapshots?.stop();
    if (unstarted) await this.#releaseUnstarted(release!.generation);
    const generation = release?.generation;
    if (wasRunning) {
      // The final writes gather into one transaction whose offset commit carries the release:
      // a release of its own, right after, would only add a transaction for the new owner to wait on.
      const releasing = generation !== undefined ? this.#writer : null;
      releasing?.hold();
      this.#inbox.post({ type: 'eventide.revoke', now: this.#context.clock.now() });
      this.requestSnapshot('revocation');
      await this.#inbox.idle();
      if (this.stage.snapshots === undefined) this.#processor?.flush();
      const processor = this.#processor;
      if (releasing !== null && processor !== null && !releasing.failed) {
        const offset = processor.nextOffset;
        releasing.enqueue({
          records: [], commitOffset: offset, commitMetadata: releaseMetadata({ node: this.#context.nodeId, generation: generation! }),
          onCommitted: () => this.#logger.info({ offset, generation }, `released ${this.stage.name}[${this.partition}] at offset ${offset}`),
        });
      }
      releasing?.resume();
      await this.#writer?.flush().catch((error: unknown) => {
        if (!(error instanceof PartitionAbandonedError)) this.#logger.warn({ err: String(error) }, 'final writes failed during revocation');
      });
    }
    this.#stopProcessing();
    await this.#disconnectProducer();
    this.lifecycle.transitionTo('stopped');
  }

  /**
   * Revoked while restoring, before it processed anything: what the group
   * committed is what it hands over, and the next owner waits for its
   * release. It releases only once its own hand-over settled, for its
   * producer's first connect fences the last owner, which may still be
   * writing its own release. Should that fail, the next owner fences after
   * its wait.
   */
  async #releaseUnstarted(generation: number): Promise<void> {
    const { transport, reader, groupId, nodeId } = this.#context;
    const input = this.#input;
    try {
      await this.#handOver;
      // Abandoned meanwhile (the node died, or lost the partition): another owner may run it already, unwaiting.
      if (!this.lifecycle.is('revoking')) return;
      const producer = (this.#producer ??= transport.transactionalProducer(this.transactionalId));
      await (this.#producerConnected ??= producer.connect());
      if (!this.lifecycle.is('revoking')) return;
      const commit = (await transport.admin().fetchOffsetCommits(groupId, input.topic)).get(input.partition);
      const offset = commit?.offset ?? (await reader.startOffsets(input.topic)).get(input.partition) ?? 0;
      const transaction = await producer.transaction();
      await transaction.sendOffsets(groupId, [{ ...input, offset, metadata: releaseMetadata({ node: nodeId, generation }) }]);
      await transaction.commit();
      this.#logger.info({ offset, generation }, `released ${this.stage.name}[${this.partition}] at offset ${offset}, revoked before it ran`);
    } catch (error) {
      this.#logger.warn({ err: String(error) }, `releasing ${this.stage.name}[${this.partition}], revoked before it ran, failed: its next owner fences after its wait`);
    }
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
    this.#inbox.close();
    this.#processor?.stop();
  }

  async #disconnectProducer(): Promise<void> {
    const producer = this.#producer;
    this.#producer = null;
    await producer?.disconnect().catch((error: unknown) => this.#logger.warn({ err: String(error) }, 'closing the partition producer failed'));
  }

  #fail(error: unknown): void {
    if (this.lifecycle.is('failed', 'stopped')) return;
    const { level, fields, message } = describeFailure(error, this.lifecycle.is('revoking'));
    this.#logger[level](fields, message);
    try {
      this.#context.consumer.pause([this.#input]);
    } catch {
      // The partition may already be gone from the assignment.
    }
    const failed = (): void => {
      // The node lives on: abandoning closes this producer, so nothing of it retries behind the restored partition's back.
      this.abandon();
      this.#context.instrumentation.emit('partition.failed', { stage: this.stage.name, partition: this.partition, error });
      this.#context.onFailed(this, error);
    };
    const writer = this.#writer;
    if (!isRecordsFailed(error) || writer === null || writer.failed) return failed();
    // The machine failed on a record: what it wrote for the messages before is whole (each job commits its own input
    // offset, or a snapshot or publication consistent with the state then), so it is committed first. The restore goes on
    // from there, and a poison record's dead letter is not dropped by the failure of the record after it.
    this.#stopProcessing();
    void writer.flush().catch(() => {}).then(failed);
  }
}
