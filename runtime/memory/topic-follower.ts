import { TopicConfigError, TransportUnavailableError } from '../../protocols/errors.ts';
import type { FollowOptions, TopicFollower } from '../../protocols/transport.ts';
import type { PartitionLog } from './partition-log.ts';
import type { MemoryNode } from './node.ts';
import { Signal } from './signal.ts';

const CHUNK_RECORDS = 1000;

/**
 * Follows every partition of a topic from its start offset, live, without a
 * group. One loop serves all partitions, so `onRecords` calls never overlap
 * (a table built from a changelog needs no lock). `caughtUp` resolves once
 * every partition reached the end offset taken when following began; it
 * rejects if the follower stops first or the topic is deleted. A rejection of
 * `onRecords` is reported to the node's error listener and following goes on.
 */
export class MemoryTopicFollower implements TopicFollower {
  readonly caughtUp: Promise<void>;
  readonly #partitions: readonly PartitionLog[];
  readonly #options: FollowOptions;
  readonly #node: MemoryNode;
  readonly #signal = new Signal();
  readonly #unsubscribes: (() => void)[];
  readonly #positions: number[];
  readonly #targets: number[];
  readonly #untrack: () => void;
  #caughtUp = false;
  #settleCaughtUp!: (error?: Error) => void;
  #stopped = false;
  readonly #loop: Promise<void>;

  constructor(partitions: readonly PartitionLog[], options: FollowOptions, node: MemoryNode) {
    this.#partitions = partitions;
    this.#options = options;
    this.#node = node;
    const isolation = options.isolation ?? 'read_committed';
    this.#positions = partitions.map((p) => p.startOffset);
    this.#targets = partitions.map((p) => p.endOffset(isolation));
    this.caughtUp = new Promise<void>((resolve, reject) => {
      this.#settleCaughtUp = (error) => (error === undefined ? resolve() : reject(error));
    });
    this.caughtUp.catch(() => {}); // the owner may never await it
    this.#unsubscribes = partitions.map((p) => p.onChange(() => this.#signal.notify()));
    this.#untrack = node.track({ close: () => this.stop(), crash: () => this.#halt() });
    this.#loop = this.#run(isolation);
  }

  async stop(): Promise<void> {
    this.#untrack();
    this.#halt();
    await this.#loop;
  }

  #halt(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const unsubscribe of this.#unsubscribes) unsubscribe();
    this.#signal.notify();
    this.#finishCatchingUp(new TransportUnavailableError('the follower stopped before it caught up'));
  }

  async #run(isolation: 'read_committed' | 'read_uncommitted'): Promise<void> {
    this.#reportProgress();
    while (!this.#stopped) {
      if (this.#partitions.some((p) => p.deleted)) {
        this.#finishCatchingUp(new TopicConfigError(`topic ${this.#partitions[0].topic} was deleted`));
        return;
      }
      let delivered = false;
      for (let i = 0; i < this.#partitions.length && !this.#stopped; i += 1) {
        const { records, nextOffset } = this.#partitions[i].fetch(this.#positions[i], isolation, CHUNK_RECORDS);
        this.#positions[i] = nextOffset;
        if (records.length === 0) continue;
        delivered = true;
        try {
          await this.#options.onRecords(records);
        } catch (error) {
          const { topic, partition } = this.#partitions[i];
          this.#node.reportError(error, { source: 'onRecords', topic, partition });
        }
      }
      if (!this.#caughtUp && !this.#stopped) {
        this.#reportProgress();
        if (this.#positions.every((position, i) => position >= this.#targets[i])) this.#finishCatchingUp();
      }
      if (!delivered) await this.#signal.wait();
    }
  }

  #reportProgress(): void {
    if (this.#caughtUp || this.#options.onProgress === undefined) return;
    let read = 0;
    let total = 0;
    this.#partitions.forEach((p, i) => {
      total += this.#targets[i] - p.startOffset;
      read += Math.min(this.#positions[i], this.#targets[i]) - p.startOffset;
    });
    this.#options.onProgress(read, total);
  }

  #finishCatchingUp(error?: Error): void {
    if (this.#caughtUp) return;
    this.#caughtUp = true;
    this.#settleCaughtUp(error);
  }
}
