import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { ConsumedBatch, ConsumedRecord, TopicPartition } from '../../protocols/transport.ts';
import { toConsumedRecord } from './records.ts';

/** What a delivery needs from its member. */
export interface DeliveryContext {
  readonly maxBatchRecords: number;
  readonly heartbeatIntervalMs: number;
  onBatch(batch: ConsumedBatch): Promise<void>;
  /** False once the partition was revoked or the member stops. */
  stillOwned(): boolean;
  /** A heartbeat sent while `onBatch` ran failed (the member may have been expelled). */
  heartbeatFailed(error: unknown): void;
}

/**
 * The delivery state of one owned partition of a group member: whether
 * kafkajs may fetch it (gated until `onPartitionsAssigned` settled, paused by
 * the owner, held after revocation) and the next offset to deliver.
 *
 * kafkajs can hand over a batch fetched before a seek or a pause; such a
 * batch is dropped without resolving its offsets, so kafkajs fetches again
 * from the right place. Only delivered records advance kafkajs's position.
 */
export class PartitionDelivery {
  readonly partition: TopicPartition;
  readonly #consumer: Consumer;
  #gated = true;
  #ownerPaused: boolean;
  #held = false;
  /** The next offset to deliver, once known. */
  #position: number | undefined;
  /** A seek kafkajs has not fetched from yet. */
  #seekTarget: number | undefined;

  constructor(consumer: Consumer, partition: TopicPartition, initial: { paused: boolean; seekTo: number | undefined }) {
    this.#consumer = consumer;
    this.partition = partition;
    this.#ownerPaused = initial.paused;
    this.#applyFetchState();
    if (initial.seekTo !== undefined) this.seek(initial.seekTo);
  }

  /** `onPartitionsAssigned` settled: start fetching unless the owner paused. */
  open(): void {
    this.#gated = false;
    this.#applyFetchState();
  }

  pauseByOwner(): void {
    this.#ownerPaused = true;
    this.#applyFetchState();
  }

  resumeByOwner(): void {
    this.#ownerPaused = false;
    this.#applyFetchState();
  }

  /** Revoked or stopping: deliver nothing more. */
  hold(): void {
    this.#held = true;
    this.#applyFetchState();
  }

  seek(offset: number): void {
    this.#position = offset;
    this.#seekTarget = offset;
    this.#consumer.seek({ topic: this.partition.topic, partition: this.partition.partition, offset: String(offset) });
  }

  /** Kept across a rebalance: kafkajs restarts from the committed offset, so go back to where delivery was. */
  rejoined(): void {
    this.#applyFetchState();
    if (this.#position !== undefined) this.seek(this.#position);
  }

  /**
   * kafkajs moved past a fetch that held only records it filters (commit
   * markers, aborted records) without handing it to `eachBatch`. The offset a
   * transactional partition is caught up to is its last commit marker, so a
   * seek there (a restore, a rejoin) is answered by such a fetch: it honours
   * the seek, or no later batch would ever match the seek target and the
   * partition would stall.
   */
  skipped(firstOffset: number | null, lastOffset: number): void {
    if (this.#seekTarget !== undefined) {
      if ((firstOffset ?? lastOffset) !== this.#seekTarget) return; // fetched before the seek
      this.#seekTarget = undefined;
    }
    if (this.#position === undefined || lastOffset + 1 > this.#position) this.#position = lastOffset + 1;
  }

  async deliver(payload: EachBatchPayload, context: DeliveryContext): Promise<void> {
    if (!this.#deliverable() || payload.isStale()) return;
    const { batch } = payload;
    if (this.#seekTarget !== undefined) {
      const fetchedAt = Number((batch as unknown as { fetchedOffset?: string }).fetchedOffset ?? batch.firstOffset());
      if (fetchedAt !== this.#seekTarget) return;
      this.#seekTarget = undefined;
    }
    const from = this.#position;
    const records = batch.messages
      .filter((message) => from === undefined || Number(message.offset) >= from)
      .map((message) => toConsumedRecord(batch.topic, batch.partition, message));
    const heartbeat = setInterval(() => payload.heartbeat().catch((error: unknown) => context.heartbeatFailed(error)), Math.max(100, context.heartbeatIntervalMs / 2));
    heartbeat.unref();
    let lastDelivered: number | undefined;
    let complete = true;
    try {
      for (let start = 0; start < records.length; start += context.maxBatchRecords) {
        if (!this.#deliverable() || !context.stillOwned() || this.#seekTarget !== undefined) {
          complete = false;
          break;
        }
        const chunk = records.slice(start, start + context.maxBatchRecords);
        await context.onBatch(toBatch(this.partition, chunk, Number(batch.highWatermark)));
        lastDelivered = chunk[chunk.length - 1].offset;
        if (this.#seekTarget === undefined) this.#position = lastDelivered + 1;
      }
    } finally {
      clearInterval(heartbeat);
    }
    if (this.#seekTarget !== undefined) return;
    const lastMessage = batch.messages[batch.messages.length - 1];
    if (complete && lastMessage !== undefined) payload.resolveOffset(lastMessage.offset);
    else if (lastDelivered !== undefined) payload.resolveOffset(String(lastDelivered));
  }

  #deliverable(): boolean {
    return !this.#gated && !this.#ownerPaused && !this.#held;
  }

  #applyFetchState(): void {
    const target = [{ topic: this.partition.topic, partitions: [this.partition.partition] }];
    try {
      if (this.#deliverable()) this.#consumer.resume(target);
      else this.#consumer.pause(target);
    } catch {
      // kafkajs has stopped (disconnect or crash): nothing is fetched anyway.
    }
  }
}

function toBatch(partition: TopicPartition, records: ConsumedRecord[], highWatermark: number): ConsumedBatch {
  return { topic: partition.topic, partition: partition.partition, records, highWatermark };
}
