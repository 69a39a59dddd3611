/**
 * Hosts one partition of a stage: the partition machine, its mailbox, its
 * writer, its snapshots. Everything that happens to the partition's state is
 * a message through the mailbox, handled one at a time.
 *
 * Restore (off the heartbeat path: the partition stays paused meanwhile):
 * fence the previous owner by connecting the partition's transactional
 * producer, read the snapshots partition, rebuild the actor, tell it which
 * publications are durable, seek the input to the snapshot's offset, resume.
 *
 * Exactly once rests on three rules, argued in docs/exactly-once.md:
 * - every write goes through the partition writer, one transaction per job,
 *   in order (a failed job stops the writer);
 * - a publication's records and its marker share a transaction, and a key
 *   whose marker exists is never written again (it is acknowledged instead);
 * - replayed input up to the last marker's offset produces no plain outputs,
 *   because those were committed with that marker.
 */
import { createActor, type Actor, type AnyStateMachine, type InspectionEvent } from 'xstate';
import type { ConsumedBatch, ConsumedRecord, GroupConsumer, PartitionReader, ProducedRecord, TopicPartition, TransactionalProducer, Transport } from '../protocols/transport.ts';
import type { OutputRecord, PublishedNotice, RuntimeMessage, StageEmission, StageRecord, TableChange, DeadLetterRequest } from '../protocols/stage.ts';
import type { Clock } from '../protocols/clock.ts';
import { isDecodeError, isFenced, ConfigError } from '../protocols/errors.ts';
import { encodeDeadLetter } from '../protocols/dead-letter/index.ts';
import { encodePublishMarker, encodeSnapshot, type SnapshotLogRecord } from '../protocols/snapshot/index.ts';
import { partitionForKey } from '../protocols/partitioner.ts';
import { DEFAULT_DEAD_LETTER_TOPIC, type PartitionInput, type StageDefinition } from './stage.ts';
import { Mailbox } from './mailbox.ts';
import { PartitionLifecycle, type PartitionState } from './partition-lifecycle.ts';
import { PartitionWriter } from './partition-writer.ts';
import { readRestorePoint } from './snapshot-restorer.ts';
import type { Logger } from './logger.ts';
import type { Instrumentation } from './instrumentation.ts';

/** What a host needs from its node. */
export interface PartitionHostContext {
  readonly nodeId: string;
  readonly groupId: string;
  readonly transport: Transport;
  readonly consumer: GroupConsumer;
  readonly reader: PartitionReader;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Partition count of a topic, known to the node. */
  readonly partitionsOf: (topic: string) => number | undefined;
  /** The current content of a table, for an actor that starts. */
  readonly tableSnapshot: (table: string) => TableChange[];
  readonly inspect?: (event: InspectionEvent) => void;
  readonly instrumentation: Instrumentation;
  /** Told when the host stops for good on its own (fenced, writer or machine failure). */
  readonly onFailed: (host: PartitionHost, error: unknown) => void;
}

/** The persisted form of a hosted partition. */
interface HostedState {
  readonly machine: unknown;
  /** Publications requested but not acknowledged when the snapshot was taken. */
  readonly pending: readonly string[];
}

type HostMessage =
  | { readonly kind: 'records'; readonly records: readonly ConsumedRecord[]; readonly replayed: boolean }
  | { readonly kind: 'message'; readonly message: RuntimeMessage }
  | { readonly kind: 'snapshot'; readonly reason: string };

/** What a restore found, for logs and status. */
export interface RestoreReport {
  readonly from: 'snapshot' | 'committed-offset' | 'earliest';
  readonly seq: number | null;
  readonly offset: number;
  readonly ageMs: number | null;
  readonly bytes: number;
  readonly durationMs: number;
  readonly markers: number;
}

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

const MAX_QUEUED_MESSAGES = 64;
/**
 * Most bytes of a bad record kept in its dead letter. The letter must itself
 * fit in a Kafka record (1 MiB by default; base64 adds a third): an oversized
 * batch copied whole would fail its transaction again on every restart.
 */
export const MAX_DEAD_LETTER_ORIGINAL_BYTES = 256 * 1024;
const MAX_WRITER_BACKLOG = 50_000;

export class PartitionHost {
  readonly stage: StageDefinition<unknown>;
  readonly partition: number;
  readonly generation: number;
  readonly lifecycle: PartitionLifecycle;
  readonly #context: PartitionHostContext;
  readonly #logger: Logger;
  readonly #mailbox: Mailbox<HostMessage>;
  readonly #pending = new Set<string>();
  #durable = new Map<string, PublishedNotice>();
  #actor: Actor<AnyStateMachine> | null = null;
  #writer: PartitionWriter | null = null;
  #producer: TransactionalProducer | null = null;
  #emissions: StageEmission[] = [];
  #buffer: ProducedRecord[] = [];
  #nextOffset = 0;
  #fetchedThrough = 0;
  #replayedThrough = -1;
  #seq = 0;
  #dirty = false;
  #recordsSinceSnapshot = 0;
  #recordsIn = 0;
  #snapshots = 0;
  #lastSnapshotAt: number | null = null;
  #pausedForBackPressure = false;
  #cancelSnapshotTimer: (() => void) | null = null;
  #restore: RestoreReport | null = null;

  constructor(stage: StageDefinition<unknown>, partition: number, generation: number, context: PartitionHostContext) {
    this.stage = stage;
    this.partition = partition;
    this.generation = generation;
    this.#context = context;
    this.#logger = context.logger.child({ stage: stage.name, partition });
    this.lifecycle = new PartitionLifecycle(`${stage.name}[${partition}]`, (from, to) =>
      this.#logger.debug({ from, to }, 'partition lifecycle'),
    );
    this.#mailbox = new Mailbox<HostMessage>({
      handle: (message) => this.#handle(message),
      onError: (error) => this.#fail(error),
      onDrained: () => this.#maybeResume(),
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
    return this.#actor;
  }

  stats(): PartitionHostStats {
    return {
      stage: this.stage.name,
      partition: this.partition,
      state: this.lifecycle.state,
      nextOffset: this.#nextOffset,
      recordsIn: this.#recordsIn,
      snapshots: this.#snapshots,
      lastSnapshotAt: this.#lastSnapshotAt,
      transactions: this.#writer?.transactions ?? 0,
      restore: this.#restore,
    };
  }

  /** Fences the previous owner, restores, seeks and resumes. The partition must be paused by the caller. */
  async start(): Promise<RestoreReport> {
    this.lifecycle.transitionTo('restoring');
    const started = performance.now();
    const { transport, reader, clock } = this.#context;
    const producer = transport.transactionalProducer(this.transactionalId);
    this.#producer = producer;
    await producer.connect();
    this.#writer = new PartitionWriter({
      producer,
      groupId: this.#context.groupId,
      inputTopic: this.stage.input.topic,
      partition: this.partition,
      sleep: (ms) => clock.sleep(ms),
      onFailed: (error) => this.#fail(error),
      onTransaction: (records, durationMs) => this.#reportTransaction(records, durationMs),
    });

    let restored: HostedState | null = null;
    let report: Omit<RestoreReport, 'durationMs'>;
    const policy = this.stage.snapshots;
    if (policy !== undefined) {
      const point = await readRestorePoint(reader, policy.topic, this.stage.name, this.partition);
      if (point.snapshot !== null) {
        restored = point.snapshot.state as HostedState;
        this.#seq = point.snapshot.meta.seq;
        this.#nextOffset = point.snapshot.meta.nextOffset;
        for (const marker of point.markersAfter) this.#durable.set(marker.key, { key: marker.key, nextOffset: marker.nextOffset });
        for (const key of restored.pending) {
          const marker = point.markersByKey.get(key);
          if (marker !== undefined) this.#durable.set(key, { key, nextOffset: marker.nextOffset });
        }
        this.#replayedThrough = Math.max(-1, ...point.markersAfter.map((marker) => marker.nextOffset));
        report = {
          from: 'snapshot',
          seq: point.snapshot.meta.seq,
          offset: this.#nextOffset,
          ageMs: clock.now() - point.snapshot.meta.takenAt,
          bytes: point.snapshot.bytes,
          markers: point.markersAfter.length,
        };
      } else {
        report = await this.#startWithoutSnapshot();
      }
      if (point.ignored.incomplete + point.ignored.corrupt > 0) {
        this.#logger.warn({ ...point.ignored }, 'ignored incomplete or corrupt snapshots while restoring');
      }
    } else {
      report = await this.#startWithoutSnapshot();
    }
    if (!this.lifecycle.is('restoring')) throw new Error('revoked while restoring');

    this.#createActor(restored);
    for (const table of this.stage.tables ?? []) {
      this.#mailbox.post({
        kind: 'message',
        message: { type: 'eventide.table', table, reset: true, changes: this.#context.tableSnapshot(table), now: clock.now() },
      });
    }
    this.#mailbox.post({ kind: 'message', message: { type: 'eventide.restored', published: [...this.#durable.values()], now: clock.now() } });
    this.#restore = { ...report, durationMs: Math.round(performance.now() - started) };
    this.#fetchedThrough = this.#nextOffset;
    this.#context.consumer.seek({ ...this.#input, offset: this.#nextOffset });
    if (policy !== undefined) {
      this.#cancelSnapshotTimer = clock.every(policy.everyMs ?? 5000, () => this.requestSnapshot('interval'));
    }
    this.lifecycle.transitionTo('running');
    this.#context.consumer.resume([this.#input]);
    return this.#restore;
  }

  async #startWithoutSnapshot(): Promise<Omit<RestoreReport, 'durationMs'>> {
    const { transport, reader } = this.#context;
    const committed = await transport.admin().fetchCommittedOffsets(this.#context.groupId, this.stage.input.topic);
    const offset = committed.get(this.partition);
    if (offset !== undefined) {
      this.#nextOffset = offset;
      return { from: 'committed-offset', seq: null, offset, ageMs: null, bytes: 0, markers: 0 };
    }
    this.#nextOffset = (await reader.startOffsets(this.stage.input.topic)).get(this.partition) ?? 0;
    return { from: 'earliest', seq: null, offset: this.#nextOffset, ageMs: null, bytes: 0, markers: 0 };
  }

  #createActor(restored: HostedState | null): void {
    const input: PartitionInput = { ...this.stage.machineInput, stage: this.stage.name, partition: this.partition, inputPartitions: this.#context.partitionsOf(this.stage.input.topic) ?? 0, now: this.#context.clock.now() };
    const actor = createActor(this.stage.machine, {
      input,
      ...(restored === null ? {} : { snapshot: restored.machine as never }),
      ...(this.#context.inspect === undefined ? {} : { inspect: this.#context.inspect }),
    });
    const collect = (emission: StageEmission): void => {
      this.#emissions.push(emission);
    };
    actor.on('eventide.output', collect as never);
    actor.on('eventide.publish', collect as never);
    actor.on('eventide.deadletter', collect as never);
    // Pending publications of the snapshot are asked for again after `eventide.restored`; the durable ones are answered from their markers.
    actor.start();
    this.#actor = actor;
  }

  /** Records fetched for this partition. Returns at once; the mailbox handles them in slices. */
  deliver(batch: ConsumedBatch): void {
    if (!this.lifecycle.is('running')) {
      this.#logger.warn({ state: this.lifecycle.state, records: batch.records.length }, 'records delivered outside running are dropped; the input is re-read from the restored offset');
      return;
    }
    const size = this.stage.maxRecordsPerMessage ?? 500;
    let slice: ConsumedRecord[] = [];
    let replayed = false;
    for (const record of batch.records) {
      if (record.offset < this.#fetchedThrough) continue;
      this.#fetchedThrough = record.offset + 1;
      const isReplayed = record.offset < this.#replayedThrough;
      if (slice.length >= size || (slice.length > 0 && isReplayed !== replayed)) {
        this.#mailbox.post({ kind: 'records', records: slice, replayed });
        slice = [];
      }
      replayed = isReplayed;
      slice.push(record);
    }
    if (slice.length > 0) this.#mailbox.post({ kind: 'records', records: slice, replayed });
    this.#maybePause();
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
    if (this.lifecycle.is('stopped', 'failed')) return this.#stopAfterFailure();
    const wasRunning = this.lifecycle.is('running');
    this.lifecycle.transitionTo('revoking');
    this.#cancelSnapshotTimer?.();
    if (wasRunning) {
      this.#mailbox.post({ kind: 'message', message: { type: 'eventide.revoke', now: this.#context.clock.now() } });
      this.requestSnapshot('revocation');
      await this.#mailbox.idle();
      if (this.stage.snapshots === undefined) this.#flushBufferAsJob();
      try {
        await this.#writer?.flush();
      } catch (error) {
        this.#logger.warn({ err: String(error) }, 'final writes failed during revocation');
      }
    }
    this.#mailbox.close();
    this.#actor?.stop();
    this.#actor = null;
    await this.#disconnectProducer();
    this.lifecycle.transitionTo('stopped');
  }

  async #stopAfterFailure(): Promise<void> {
    if (this.lifecycle.is('failed')) this.lifecycle.transitionTo('stopped');
  }

  /** Stops without writing anything (the node crashed or was fenced). */
  abandon(): void {
    this.#cancelSnapshotTimer?.();
    this.#writer?.abandon();
    this.#mailbox.close();
    this.#actor?.stop();
    this.#actor = null;
    if (this.lifecycle.is('assigned', 'restoring', 'running', 'revoking')) this.lifecycle.transitionTo('failed');
  }

  async #disconnectProducer(): Promise<void> {
    const producer = this.#producer;
    this.#producer = null;
    await producer?.disconnect().catch((error: unknown) => this.#logger.warn({ err: String(error) }, 'closing the partition producer failed'));
  }

  // ------------------------------------------------------------------ messages

  #handle(message: HostMessage): void {
    const actor = this.#actor;
    if (actor === null) return;
    switch (message.kind) {
      case 'records':
        this.#handleRecords(actor, message.records, message.replayed);
        break;
      case 'message':
        // A tick (or the revocation notice) alone does not make a snapshot due: an idle partition would write one every interval for ever.
        // What a tick changes that matters (a window it closes) ends in a publication, whose acknowledgement does.
        this.#send(actor, message.message, message.message.type !== 'eventide.tick' && message.message.type !== 'eventide.revoke');
        this.#route(undefined, false);
        break;
      case 'snapshot':
        this.#takeSnapshot(actor, message.reason);
        break;
    }
    const status = actor.getSnapshot().status;
    if (status === 'error') throw actor.getSnapshot().error;
  }

  #handleRecords(actor: Actor<AnyStateMachine>, records: readonly ConsumedRecord[], replayed: boolean): void {
    const decoded: StageRecord<unknown>[] = [];
    for (const record of records) {
      try {
        decoded.push({ offset: record.offset, key: record.key, value: this.stage.input.decode(record), headers: record.headers, timestamp: record.timestamp });
      } catch (error) {
        if (!isDecodeError(error)) throw error;
        this.#emissions.push({ type: 'eventide.deadletter', letters: [{ reason: error.reason, message: error.message, offset: record.offset, original: record.value }] });
      }
    }
    const nextOffset = records[records.length - 1]!.offset + 1;
    this.#nextOffset = nextOffset;
    this.#recordsIn += records.length;
    this.#context.instrumentation.emit('records.in', { stage: this.stage.name, partition: this.partition, records: records.length });
    this.#recordsSinceSnapshot += records.length;
    this.#dirty = true;
    if (decoded.length > 0) this.#send(actor, { type: 'eventide.batch', partition: this.partition, records: decoded, nextOffset, now: this.#context.clock.now() });
    this.#route(nextOffset, replayed);
    const every = this.stage.snapshots?.everyRecords ?? 50_000;
    if (this.stage.snapshots !== undefined && this.#recordsSinceSnapshot >= every) this.#takeSnapshot(actor, 'records');
  }

  #send(actor: Actor<AnyStateMachine>, message: RuntimeMessage, changesState = true): void {
    if (changesState) this.#dirty = true;
    actor.send(message);
  }

  /** Turns what the actor emitted into write jobs. */
  #route(batchEnd: number | undefined, replayed: boolean): void {
    const emissions = this.#emissions;
    this.#emissions = [];
    if (emissions.length > 0) this.#dirty = true;
    const publications: { key: string; records: ProducedRecord[] }[] = [];
    for (const emission of emissions) {
      switch (emission.type) {
        case 'eventide.output':
          if (!replayed) for (const record of emission.records) this.#buffer.push(this.#toProduced(record));
          break;
        case 'eventide.deadletter':
          if (!replayed) {
            for (const letter of emission.letters) {
              this.#buffer.push(this.#deadLetter(letter));
              this.#context.instrumentation.emit('deadletter', { stage: this.stage.name, partition: this.partition, reason: letter.reason });
            }
          }
          break;
        case 'eventide.publish':
          this.#requestPublication(emission.key, emission.records, publications);
          break;
      }
    }
    const stateless = this.stage.snapshots === undefined;
    if (!stateless && publications.length === 0) return;
    if (stateless && batchEnd === undefined && publications.length === 0 && this.#buffer.length === 0) return;
    const records = this.#buffer;
    this.#buffer = [];
    const keys = publications.map((publication) => publication.key);
    const nextOffset = this.#nextOffset;
    for (const publication of publications) {
      records.push(...publication.records);
      if (!stateless) records.push(this.#snapshotRecord(encodePublishMarker({ stage: this.stage.name, partition: this.partition, key: publication.key, nextOffset, publishedAt: this.#context.clock.now() })));
    }
    this.#writer!.enqueue({
      records,
      ...(stateless && batchEnd !== undefined ? { commitOffset: batchEnd } : {}),
      onCommitted: () => this.#acknowledge(keys, nextOffset),
    });
  }

  #requestPublication(key: string, records: readonly OutputRecord[], publications: { key: string; records: ProducedRecord[] }[]): void {
    const durable = this.#durable.get(key);
    if (durable !== undefined) {
      // Published before a restore: acknowledge again, never write twice.
      this.#mailbox.post({ kind: 'message', message: { type: 'eventide.published', ...durable } });
      return;
    }
    if (this.#pending.has(key)) {
      this.#logger.warn({ key }, 'publication requested twice while pending; the second request is ignored');
      return;
    }
    this.#pending.add(key);
    publications.push({ key, records: records.map((record) => this.#toProduced(record)) });
  }

  #acknowledge(keys: readonly string[], nextOffset: number): void {
    this.#maybeResume();
    for (const key of keys) {
      this.#pending.delete(key);
      this.#mailbox.post({ kind: 'message', message: { type: 'eventide.published', key, nextOffset } });
    }
  }

  #flushBufferAsJob(): void {
    if (this.#buffer.length === 0) return;
    const records = this.#buffer;
    this.#buffer = [];
    this.#writer?.enqueue({ records });
  }

  #takeSnapshot(actor: Actor<AnyStateMachine>, reason: string): void {
    const policy = this.stage.snapshots;
    if (policy === undefined || !this.#dirty) return;
    const now = this.#context.clock.now();
    this.#send(actor, { type: 'eventide.snapshot', now });
    this.#route(undefined, false);
    const state: HostedState = { machine: actor.getPersistedSnapshot(), pending: [...this.#pending].sort() };
    this.#seq++;
    const meta = { stage: this.stage.name, partition: this.partition, seq: this.#seq, nextOffset: this.#nextOffset, nodeId: this.#context.nodeId, generation: this.generation, takenAt: now };
    const snapshotRecords = encodeSnapshot(meta, state, policy.maxChunkBytes ?? 512 * 1024).map((record) => this.#snapshotRecord(record));
    const records = [...this.#buffer, ...snapshotRecords];
    this.#buffer = [];
    this.#dirty = false;
    this.#recordsSinceSnapshot = 0;
    const bytes = snapshotRecords.reduce((sum, record) => sum + (record.value?.length ?? 0), 0);
    this.#writer!.enqueue({
      records,
      commitOffset: meta.nextOffset,
      onCommitted: () => {
        this.#snapshots++;
        this.#lastSnapshotAt = now;
        this.#context.instrumentation.emit('snapshot.written', { stage: this.stage.name, partition: this.partition, seq: meta.seq, bytes, durationMs: this.#context.clock.now() - now });
        this.#logger.debug({ seq: meta.seq, offset: meta.nextOffset, bytes, reason }, 'snapshot written');
      },
    });
  }

  // ------------------------------------------------------------------ records out

  #snapshotRecord(record: SnapshotLogRecord): ProducedRecord {
    return { topic: this.stage.snapshots!.topic, partition: this.partition, key: record.key, value: record.value, headers: record.headers };
  }

  #toProduced(record: OutputRecord): ProducedRecord {
    const value = typeof record.value === 'string' ? Buffer.from(record.value) : record.value;
    let partition = record.partition;
    if (partition === undefined) {
      const partitions = this.#context.partitionsOf(record.topic);
      if (partitions === undefined) throw new ConfigError(`output topic '${record.topic}' does not exist: create it (eventide topics create)`);
      partition = record.key == null ? this.partition % partitions : partitionForKey(record.key, partitions);
    }
    return { topic: record.topic, partition, key: record.key ?? null, value, ...(record.headers ? { headers: record.headers } : {}), ...(record.timestamp ? { timestamp: record.timestamp } : {}) };
  }

  #deadLetter(letter: DeadLetterRequest): ProducedRecord {
    const whole = typeof letter.original === 'string' ? Buffer.from(letter.original) : letter.original;
    const truncated = whole !== null && whole.length > MAX_DEAD_LETTER_ORIGINAL_BYTES;
    const original = truncated ? whole.subarray(0, MAX_DEAD_LETTER_ORIGINAL_BYTES) : whole;
    const value = encodeDeadLetter({
      v: 1,
      stage: this.stage.name,
      reason: letter.reason,
      message: truncated ? `${letter.message} (original truncated to its first ${MAX_DEAD_LETTER_ORIGINAL_BYTES} of ${whole.length} bytes)` : letter.message,
      source: { topic: this.stage.input.topic, partition: this.partition, offset: letter.offset },
      original,
      at: this.#context.clock.now(),
    });
    return this.#toProduced({ topic: this.stage.deadLetterTopic ?? DEFAULT_DEAD_LETTER_TOPIC, key: `${this.stage.name}/${this.partition}`, value });
  }

  #reportTransaction(records: readonly ProducedRecord[], durationMs: number): void {
    const recordsByTopic: Record<string, number> = {};
    for (const record of records) recordsByTopic[record.topic] = (recordsByTopic[record.topic] ?? 0) + 1;
    this.#context.instrumentation.emit('transaction.committed', { stage: this.stage.name, partition: this.partition, recordsByTopic, durationMs });
  }

  // ------------------------------------------------------------------ back-pressure and failure

  #maybePause(): void {
    if (this.#pausedForBackPressure) return;
    if (this.#mailbox.size > MAX_QUEUED_MESSAGES || (this.#writer?.backlog ?? 0) > MAX_WRITER_BACKLOG) {
      this.#pausedForBackPressure = true;
      this.#context.consumer.pause([this.#input]);
    }
  }

  #maybeResume(): void {
    if (!this.#pausedForBackPressure || !this.lifecycle.is('running')) return;
    if (this.#mailbox.size <= MAX_QUEUED_MESSAGES / 4 && (this.#writer?.backlog ?? 0) <= MAX_WRITER_BACKLOG / 4) {
      this.#pausedForBackPressure = false;
      this.#context.consumer.resume([this.#input]);
    }
  }

  #fail(error: unknown): void {
    if (this.lifecycle.is('failed', 'stopped')) return;
    const fields = { err: error instanceof Error ? error.stack ?? error.message : String(error), fenced: isFenced(error) };
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
    this.abandon();
    // The node lives on: close this producer so nothing of it retries behind the restored partition's back.
    void this.#disconnectProducer();
    this.#context.instrumentation.emit('partition.failed', { stage: this.stage.name, partition: this.partition, error });
    this.#context.onFailed(this, error);
  }
}
