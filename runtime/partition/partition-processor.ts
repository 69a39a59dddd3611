/**
 * The processing side of a hosted partition, from a restore's seed on: the
 * partition machine, and the turning of each mailbox message into messages
 * to the machine and of what the machine emits into write jobs. It
 * coordinates the publication ledger, the emission router and the snapshot
 * policy; the partition host around it owns the lifecycle and the I/O
 * (fencing, restore, fetching, the mailbox, the writer, failure).
 *
 * Handling is one message at a time (the mailbox's promise) and synchronous,
 * but for a snapshot of a large state: it is encoded in slices (./snapshot-slices.ts)
 * while the event loop runs on and the messages after it
 * wait (so the state it encodes does not change). An error thrown here, or
 * the rejection of a snapshot's promise, fails the partition.
 */
import { createActor, type Actor, type AnyStateMachine, type InspectionEvent } from 'xstate';
import type { ConsumedRecord } from '../../protocols/transport.ts';
import type { PartitionInput, RuntimeMessage, StageRecord, TableChange } from '../../protocols/stage.ts';
import type { Clock } from '../../protocols/clock.ts';
import { isDecodeError } from '../../protocols/errors.ts';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from '../../protocols/record-size.ts';
import { DEFAULT_DEAD_LETTER_TOPIC, type StageDefinition } from '../stage.ts';
import type { Logger } from '../logger.ts';
import type { Instrumentation } from '../instrumentation.ts';
import type { RestoreSeed } from './restorer.ts';
import { PublicationLedger } from './publication-ledger.ts';
import { EmissionRouter, type RouteContext, type WriteSink } from './emission-router.ts';
import { SnapshotPolicy } from './snapshot-policy.ts';
import { encodeInSlices } from './snapshot-slices.ts';
import { OutputAddresser } from './output-addresser.ts';
import { combineObservers, unhandledMessageObserver, type UnhandledMessage } from './unhandled-messages.ts';
import { RecordsFailedError, type PoisonRecords } from './poison-records.ts';
import { shortJson } from '../../protocols/json/bounded-json.ts';

/** What goes through a hosted partition's mailbox. */
export type HostMessage =
  | { readonly kind: 'records'; readonly records: readonly ConsumedRecord[]; readonly replayed: boolean }
  | { readonly kind: 'message'; readonly message: RuntimeMessage }
  | { readonly kind: 'snapshot'; readonly reason: string };

export interface PartitionProcessorOptions {
  readonly stage: StageDefinition<unknown>;
  readonly partition: number;
  readonly generation: number;
  readonly nodeId: string;
  readonly seed: RestoreSeed;
  readonly writer: WriteSink;
  /** Partition count of a topic, as the node knows it (outputs are partitioned by it). */
  readonly partitionsOf: (topic: string) => number | undefined;
  /** The largest record a topic takes. @default Kafka's default, 1,048,588 */
  readonly maxRecordBytesOf?: (topic: string) => number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly instrumentation: Instrumentation;
  /** The node's observer of inspection events, if any. */
  readonly inspect?: (event: InspectionEvent) => void;
  /** Posts a message to the partition's mailbox (acknowledgements of publications). */
  readonly post: (message: RuntimeMessage) => void;
  /** The partition's poison records: those known never reach the machine, they are dead-lettered. */
  readonly poison?: PoisonRecords;
}

const AFTER_MESSAGE: RouteContext = {};
const AFTER_RESTORED: RouteContext = { restoring: true };
/**
 * Messages that do not by themselves make a snapshot due: an idle partition would write one every interval.
 * What they change that matters (a window a tick closes) ends in a publication, whose acknowledgement does.
 */
const KEEPS_STATE_CLEAN: ReadonlySet<string> = new Set(['eventide.tick', 'eventide.revoke', 'eventide.restored']);

export class PartitionProcessor {
  readonly #actor: Actor<AnyStateMachine>;
  #running = false;
  readonly #options: Omit<PartitionProcessorOptions, 'seed'>;
  /** Where the restore started from (the seed itself is not kept: its markers and state would stay in memory for the host's life). */
  readonly #from: RestoreSeed['from'];
  readonly #ledger: PublicationLedger;
  readonly #router: EmissionRouter;
  /** `null` for a stateless stage. */
  readonly #snapshots: SnapshotPolicy | null;
  #nextOffset: number;
  #recordsIn = 0;

  constructor(options: PartitionProcessorOptions) {
    const { seed, ...rest } = options;
    this.#options = rest;
    this.#from = seed.from;
    const { stage, partition, instrumentation, logger } = options;
    const snapshotsTopic = stage.snapshots?.topic;
    const addresser = new OutputAddresser({
      stage: stage.name, partition, inputTopic: stage.input.topic, deadLetterTopic: stage.deadLetterTopic ?? DEFAULT_DEAD_LETTER_TOPIC,
      ...(snapshotsTopic === undefined ? {} : { snapshotsTopic }), partitionsOf: options.partitionsOf, clock: options.clock,
      ...(options.maxRecordBytesOf === undefined ? {} : { maxRecordBytesOf: options.maxRecordBytesOf }),
    });
    this.#nextOffset = seed.nextOffset;
    this.#ledger = new PublicationLedger(seed);
    this.#router = new EmissionRouter({
      ledger: this.#ledger,
      addresser,
      writer: options.writer,
      stateful: stage.snapshots !== undefined,
      acknowledge: (notice) => options.post({ type: 'eventide.published', ...notice }),
      reports: {
        deadLetter: (reason) => instrumentation.emit('deadletter', { stage: stage.name, partition, reason }),
        duplicate: (key) => {
          logger.warn({ key }, 'publication requested twice while pending; the second request is ignored');
          instrumentation.emit('publication.duplicate', { stage: stage.name, partition, key });
        },
      },
    });
    this.#snapshots = stage.snapshots === undefined ? null : new SnapshotPolicy({
      stage: stage.name, partition, nodeId: options.nodeId, generation: options.generation, settings: stage.snapshots, clock: options.clock, restoredSeq: seed.seq,
      toRecord: (record) => addresser.snapshotRecord(record),
      onWritten: ({ meta, bytes, reason }, durationMs) => {
        instrumentation.emit('snapshot.written', { stage: stage.name, partition, seq: meta.seq, bytes, durationMs });
        logger.debug({ seq: meta.seq, offset: meta.nextOffset, bytes, reason }, 'snapshot written');
      },
    });
    const observeUnhandled = unhandledMessageObserver((message) => this.#reportUnhandled(message));
    const limitOf = options.maxRecordBytesOf ?? (() => KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
    const maxRecordBytes = Object.fromEntries((stage.outputs ?? []).map((topic) => [topic, limitOf(topic)]));
    const input: PartitionInput = { ...stage.machineInput, stage: stage.name, partition, inputPartitions: options.partitionsOf(stage.input.topic) ?? 0, maxRecordBytes, now: options.clock.now() };
    this.#actor = createActor(stage.machine, {
      input,
      ...(seed.machine === null ? {} : { snapshot: seed.machine as never }),
      inspect: options.inspect === undefined ? observeUnhandled : combineObservers(observeUnhandled, options.inspect),
    });
    for (const type of ['eventide.output', 'eventide.publish', 'eventide.deadletter'] as const) this.#actor.on(type, this.#router.collect as never);
    // A machine that throws stops with status 'error', which `handle` turns into the partition's failure. Without an
    // error observer xstate would also rethrow it from a timer, and that takes the whole node process down.
    this.#actor.subscribe({ error: () => {} });
  }

  /** The machine's actor while it runs (for inspection); `null` before `start` and after `stop`. */
  get actor(): Actor<AnyStateMachine> | null {
    return this.#running ? this.#actor : null;
  }

  /** Starts the actor (from its snapshot, or fresh). */
  start(): void {
    this.#actor.start();
    this.#running = true;
  }

  /** The next input offset to handle. */
  get nextOffset(): number {
    return this.#nextOffset;
  }

  get recordsIn(): number {
    return this.#recordsIn;
  }

  get snapshots(): SnapshotPolicy | null {
    return this.#snapshots;
  }

  /** Whether input at this offset was handled and committed before the restore. */
  isReplayed(offset: number): boolean {
    return this.#ledger.isReplayed(offset);
  }

  /** What the machine receives before any batch: each of its tables whole, then `eventide.restored`. */
  startMessages(tableSnapshot: (table: string) => readonly TableChange[], now: number): RuntimeMessage[] {
    const tables = (this.#options.stage.tables ?? []).map((table): RuntimeMessage => ({ type: 'eventide.table', table, reset: true, changes: tableSnapshot(table), now }));
    // A fresh machine has nothing to drop: markers without a snapshot only answer its requests during replay.
    const from = this.#from;
    return [...tables, { type: 'eventide.restored', from, published: from === 'snapshot' ? this.#ledger.restoredNotices : [], now }];
  }

  /** Handles one mailbox message. Throws the machine's error if it failed. */
  handle(message: HostMessage): void {
    const actor = this.#actor;
    if (message.kind === 'records') this.#handleRecords(message.records, message.replayed);
    else if (message.kind === 'snapshot') this.#takeSnapshot(message.reason);
    else {
      const { type } = message.message;
      if (!KEEPS_STATE_CLEAN.has(type)) this.#snapshots?.changed();
      actor.send(message.message);
      if (type !== 'eventide.restored') this.#route(AFTER_MESSAGE);
      else {
        this.#route(AFTER_RESTORED);
        this.#ledger.restoreHandled();
      }
    }
    const snapshot = actor.getSnapshot();
    if (snapshot.status === 'error') throw snapshot.error;
  }

  /** Writes the outputs still waiting for a transaction (a stateless stage stopping). */
  flush(): void {
    this.#router.flush();
  }

  /** Stops the actor and the snapshot interval; nothing is handled after. */
  stop(): void {
    this.#snapshots?.stop();
    this.#running = false;
    this.#actor.stop();
  }

  /**
   * Decodes the records and sends them to the machine as one batch. A record
   * known to be poison, or whose decoder throws something other than a
   * `DecodeError`, is dead-lettered in place; a machine that fails on the
   * batch throws `RecordsFailedError` naming its offsets (poison-records.ts).
   */
  #handleRecords(records: readonly ConsumedRecord[], replayed: boolean): void {
    const { stage, partition, clock, instrumentation, poison } = this.#options;
    const decoded: StageRecord<unknown>[] = [];
    for (const record of records) {
      const poisoned = poison?.poisonAt(record.offset);
      if (poisoned !== undefined) {
        this.#deadLetter(record, 'processing-failed', `the ${stage.name} stage failed on this record, so it is left out: ${poisoned}`);
        continue;
      }
      try {
        decoded.push({ offset: record.offset, key: record.key, value: stage.input.decode(record), headers: record.headers, timestamp: record.timestamp });
      } catch (error) {
        if (isDecodeError(error)) this.#deadLetter(record, error.reason, error.message);
        else this.#deadLetter(record, 'decode-failed', `the ${stage.name} stage's decoder threw ${error instanceof Error ? `${error.name}: ${shortJson(error.message, 300)}` : shortJson(error, 300)}`);
      }
    }
    const first = records[0]!.offset;
    const last = records[records.length - 1]!.offset;
    const nextOffset = (this.#nextOffset = last + 1);
    this.#recordsIn += records.length;
    instrumentation.emit('records.in', { stage: stage.name, partition, records: records.length });
    const due = this.#snapshots?.recordsHandled(records.length) ?? false;
    if (decoded.length > 0) {
      // An actor that failed before this batch (between messages) is not the batch's fault.
      const before = this.#actor.getSnapshot();
      if (before.status === 'error') throw before.error;
      this.#actor.send({ type: 'eventide.batch', partition, records: decoded, nextOffset, now: clock.now() });
      const snapshot = this.#actor.getSnapshot();
      if (snapshot.status === 'error') throw new RecordsFailedError(first, last, snapshot.error);
      poison?.recordHandled();
    }
    poison?.handledThrough(last);
    this.#route({ batchEnd: nextOffset, replayed });
    if (due) this.#takeSnapshot('records');
  }

  #deadLetter(record: ConsumedRecord, reason: string, message: string): void {
    this.#router.collect({ type: 'eventide.deadletter', letters: [{ reason, message, offset: record.offset, original: record.value }] });
  }

  /** Routes what the machine emitted; anything emitted changed its state. */
  #route(context: RouteContext): void {
    if (this.#router.route(context, this.#nextOffset)) this.#snapshots?.changed();
  }

  #takeSnapshot(reason: string): void | Promise<void> {
    const snapshots = this.#snapshots;
    if (snapshots === null || !snapshots.dirty) return;
    const startedAt = performance.now();
    this.#actor.send({ type: 'eventide.snapshot', now: this.#options.clock.now() });
    this.#route(AFTER_MESSAGE);
    const pending = snapshots.pendingSnapshot(this.#actor.getPersistedSnapshot(), this.#nextOffset, this.#router.takeOutbox(), reason);
    const job = encodeInSlices(pending, { stopped: () => !this.#running, startedAt }, ({ slices, ms }) => this.#options.logger.debug({ slices, ms: Math.round(ms), reason }, 'large snapshot encoded in slices'));
    if (!(job instanceof Promise)) return this.#options.writer.enqueue(job);
    return job.then((sliced) => {
      if (sliced !== null) this.#options.writer.enqueue(sliced);
    });
  }

  #reportUnhandled(message: UnhandledMessage): void {
    this.#options.logger.debug(message, 'message not handled in the current state of its actor');
    this.#options.instrumentation.emit('message.unhandled', { stage: this.#options.stage.name, partition: this.#options.partition, ...message });
  }
}
