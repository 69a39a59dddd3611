/**
 * A standby replica: a warm copy of a partition this node does not own,
 * kept by following the partition's snapshots log (read_committed, a static
 * read outside the group) from where it last read to the log's end. When
 * the partition comes to this node (its owner died, or it moved), the host
 * restores from the replica's log and reads only what was written since
 * (../snapshot-restorer.ts), not the snapshots partition from its start.
 *
 * It holds the log as a restore would, never an actor: the newest complete
 * snapshot and the publish markers. The input after the newest snapshot is
 * still replayed by a new owner that took the partition over from a crash.
 */
import type { PartitionReader, StandbyProgress } from '../../protocols/transport.ts';
import { SnapshotLogReader } from '../../protocols/snapshot/index.ts';
import type { WarmLog } from '../snapshot-restorer.ts';

export interface StandbyTarget {
  readonly stage: string;
  /** The stage's input topic: the partition as the group names it. */
  readonly inputTopic: string;
  readonly snapshotsTopic: string;
  readonly partition: number;
}

/** What status and metrics show of a standby. */
export interface StandbyStats extends StandbyProgress {
  readonly stage: string;
  /** The next offset of the snapshots partition to read. */
  readonly position: number;
  /** Records of the snapshots partition read since the replica began. */
  readonly recordsRead: number;
  /** When the newest complete snapshot it holds was taken; null before the first. */
  readonly snapshotTakenAt: number | null;
  /** The input offset that snapshot resumes at; null before the first. */
  readonly snapshotOffset: number | null;
}

export class StandbyReplica {
  readonly target: StandbyTarget;
  readonly #reader: Pick<PartitionReader, 'startOffsets' | 'endOffsets' | 'read'>;
  #log: SnapshotLogReader;
  #position: number | null = null;
  #end = 0;
  #recordsRead = 0;
  #bytesRead = 0;
  #taken = false;

  constructor(reader: Pick<PartitionReader, 'startOffsets' | 'endOffsets' | 'read'>, target: StandbyTarget) {
    this.#reader = reader;
    this.target = target;
    this.#log = new SnapshotLogReader({ stage: target.stage });
  }

  /** Records of the snapshots partition written and committed but not read yet, as of the last look at its end. */
  get lag(): number {
    return Math.max(0, this.#end - (this.#position ?? 0));
  }

  progress(): StandbyProgress {
    return { topic: this.target.inputTopic, partition: this.target.partition, lag: this.lag };
  }

  stats(): StandbyStats {
    const latest = this.#log.latest();
    return {
      ...this.progress(), stage: this.target.stage, position: this.#position ?? 0, recordsRead: this.#recordsRead,
      snapshotTakenAt: latest?.meta.takenAt ?? null, snapshotOffset: latest?.meta.nextOffset ?? null,
    };
  }

  /** Reads what was committed since the last call, up to the end as it is now. */
  async catchUp(): Promise<void> {
    if (this.#taken) return;
    const { snapshotsTopic: topic, partition } = this.target;
    const start = (await this.#reader.startOffsets(topic)).get(partition) ?? 0;
    // Retention deleted what it had not read: what it holds may miss markers, so it begins again.
    if (this.#position === null || this.#position < start) this.#restart(start);
    this.#end = (await this.#reader.endOffsets(topic, 'read_committed')).get(partition) ?? 0;
    if (this.#end <= this.#position!) return;
    for await (const chunk of this.#reader.read({ topic, partition, offset: this.#position! }, this.#end, { isolation: 'read_committed' })) {
      // A new owner may take the log between two chunks: the position always says what the log holds.
      if (this.#taken) return;
      for (const record of chunk) {
        this.#recordsRead++;
        this.#bytesRead += record.value?.length ?? 0;
        this.#log.add(record);
        this.#position = record.offset + 1;
      }
    }
    if (!this.#taken) this.#position = this.#end;
  }

  /**
   * The log as read so far, for the partition's new owner, which reads on
   * from `position` once it fenced the last owner. The replica is done.
   */
  take(): WarmLog | null {
    if (this.#taken || this.#position === null) return null;
    this.#taken = true;
    return { log: this.#log, position: this.#position, recordsRead: this.#recordsRead, bytesRead: this.#bytesRead };
  }

  #restart(from: number): void {
    this.#log = new SnapshotLogReader({ stage: this.target.stage });
    this.#position = from;
  }
}
