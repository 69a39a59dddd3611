/**
 * The snapshot policy of a stateful partition: when a snapshot is due, and
 * the write that persists it.
 *
 * A snapshot is due every `everyMs` (the interval), after `everyRecords`
 * input records, and on revocation; in every case only if the state changed
 * since the last one (`dirty`), so an idle partition writes nothing. The
 * write is the machine's hosted state encoded as chunks of at most
 * `maxChunkBytes` plus a commit record, with the input offset it covers
 * committed for the group in the same transaction; plain outputs waiting
 * for a transaction ride in front of it.
 */
import type { Clock } from '../../protocols/clock.ts';
import type { ProducedRecord } from '../../protocols/transport.ts';
import { SnapshotEncoder, hostedState, type SnapshotLogRecord, type SnapshotMeta } from '../../protocols/snapshot/index.ts';
import type { StageSnapshotPolicy } from '../stage.ts';
import type { WriteJob } from '../partition-writer.ts';

/** Why a snapshot is taken, for logs. */
export type SnapshotReason = 'interval' | 'records' | 'revocation' | (string & {});

/** A snapshot on its way to the log. */
export interface SnapshotWrite {
  readonly meta: SnapshotMeta;
  readonly reason: SnapshotReason;
  /** Payload bytes (chunks only). */
  readonly bytes: number;
}

export interface SnapshotPolicyOptions {
  readonly stage: string;
  readonly partition: number;
  readonly nodeId: string;
  readonly generation: number;
  readonly settings: StageSnapshotPolicy;
  readonly clock: Clock;
  /** Sequence number of the restored snapshot (0 without one). */
  readonly restoredSeq: number;
  /** Addresses snapshot log records (to the stage's snapshots partition). */
  readonly toRecord: (record: SnapshotLogRecord) => ProducedRecord;
  /** Told once a snapshot's transaction committed, with how long it took from being taken. */
  readonly onWritten?: (write: SnapshotWrite, durationMs: number) => void;
}

/** A snapshot being encoded (see `SnapshotPolicy.pendingSnapshot`). */
export interface PendingSnapshot {
  /** Its write, once encoded. */
  readonly job: WriteJob | null;
  /** Encodes about `values` more values of the state. */
  write(values: number): void;
}

const DEFAULT_EVERY_MS = 5000;
const DEFAULT_EVERY_RECORDS = 50_000;
const DEFAULT_MAX_CHUNK_BYTES = 512 * 1024;

export class SnapshotPolicy {
  readonly #options: SnapshotPolicyOptions;
  readonly #everyRecords: number;
  #seq: number;
  #dirty = false;
  #recordsSince = 0;
  #written = 0;
  #lastWrittenAt: number | null = null;
  #cancelInterval: (() => void) | null = null;

  constructor(options: SnapshotPolicyOptions) {
    this.#options = options;
    this.#seq = options.restoredSeq;
    this.#everyRecords = options.settings.everyRecords ?? DEFAULT_EVERY_RECORDS;
  }

  /** Whether the state changed since the last snapshot. */
  get dirty(): boolean {
    return this.#dirty;
  }

  /** Snapshots committed by this host. */
  get written(): number {
    return this.#written;
  }

  /** When the last committed snapshot was taken (`null`: none yet). */
  get lastWrittenAt(): number | null {
    return this.#lastWrittenAt;
  }

  /** Calls `onDue('interval')` every `everyMs` until `stop()`. */
  startInterval(onDue: (reason: SnapshotReason) => void): void {
    this.#cancelInterval?.();
    this.#cancelInterval = this.#options.clock.every(this.#options.settings.everyMs ?? DEFAULT_EVERY_MS, () => onDue('interval'));
  }

  stop(): void {
    this.#cancelInterval?.();
    this.#cancelInterval = null;
  }

  /** The state changed (a message that changes it was handled, or the actor emitted). */
  changed(): void {
    this.#dirty = true;
  }

  /** Input records were handled (the state changed); true when that makes a snapshot due. */
  recordsHandled(count: number): boolean {
    this.#dirty = true;
    this.#recordsSince += count;
    return this.#recordsSince >= this.#everyRecords;
  }

  /**
   * The write job of the next snapshot of `machine` (its persisted snapshot),
   * covering input up to `nextOffset`, with `outputs` in front. Ask only
   * when `dirty`: a snapshot of an unchanged state is a wasted write.
   */
  snapshotJob(machine: unknown, nextOffset: number, outputs: readonly ProducedRecord[], reason: SnapshotReason): WriteJob {
    const pending = this.pendingSnapshot(machine, nextOffset, outputs, reason);
    while (pending.job === null) pending.write(Number.POSITIVE_INFINITY);
    return pending.job;
  }

  /**
   * The next snapshot as `snapshotJob` gives it, encoded a step at a time
   * (`write(values)` until `job` is set), so a large state does not hold the
   * event loop; the state must not change until then. It counts as taken
   * now (its sequence number, `dirty` cleared).
   */
  pendingSnapshot(machine: unknown, nextOffset: number, outputs: readonly ProducedRecord[], reason: SnapshotReason): PendingSnapshot {
    const { stage, partition, nodeId, generation, clock, settings, toRecord } = this.#options;
    this.#seq++;
    const meta: SnapshotMeta = { stage, partition, seq: this.#seq, nextOffset, nodeId, generation, takenAt: clock.now() };
    const encoder = new SnapshotEncoder(meta, hostedState(machine), settings.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES);
    this.#dirty = false;
    this.#recordsSince = 0;
    let job: WriteJob | null = null;
    return {
      get job() {
        return job;
      },
      write: (values) => {
        encoder.write(values);
        const encoded = encoder.records;
        if (encoded === null || job !== null) return;
        const records = [...outputs];
        let bytes = 0;
        for (let i = 0; i < encoded.length; i++) {
          if (i < encoded.length - 1) bytes += encoded[i]!.value.length;
          records.push(toRecord(encoded[i]!));
        }
        const write: SnapshotWrite = { meta, reason, bytes };
        job = { records, commitOffset: nextOffset, onCommitted: () => this.#committed(write) };
      },
    };
  }

  #committed(write: SnapshotWrite): void {
    this.#written++;
    this.#lastWrittenAt = write.meta.takenAt;
    this.#options.onWritten?.(write, this.#options.clock.now() - write.meta.takenAt);
  }
}
