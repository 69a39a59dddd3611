import { ProducerFencedError, TransactionStateError } from '../../protocols/errors.ts';
import type { TopicPartitionOffset } from '../../protocols/transport.ts';
import type { PartitionLog, TransactionMark } from './partition-log.ts';

/**
 * One transaction of one producer epoch. Its records sit in the partitions it
 * wrote to; its group offsets wait here until commit.
 */
export class OpenTransaction implements TransactionMark {
  status: 'open' | 'committed' | 'aborted' = 'open';
  readonly transactionalId: string;
  readonly epoch: number;
  readonly partitions = new Set<PartitionLog>();
  /** Offsets to commit with the transaction, by group. */
  readonly offsets = new Map<string, TopicPartitionOffset[]>();

  constructor(transactionalId: string, epoch: number) {
    this.transactionalId = transactionalId;
    this.epoch = epoch;
  }
}

interface TransactionalIdState {
  epoch: number;
  open: OpenTransaction | null;
}

/** Commits a group's offsets; the group coordinator provides it. */
export type CommitOffsets = (groupId: string, offsets: readonly TopicPartitionOffset[]) => void;

/**
 * The transaction coordinator: one epoch per transactional id. Registering an
 * id bumps its epoch and aborts the open transaction of the older epoch, so
 * a zombie can neither commit nor keep the last stable offset blocked once
 * its successor connected.
 */
export class TransactionCoordinator {
  readonly #ids = new Map<string, TransactionalIdState>();
  readonly #commitOffsets: CommitOffsets;

  constructor(commitOffsets: CommitOffsets) {
    this.#commitOffsets = commitOffsets;
  }

  /** Registers a producer for the id and returns its epoch, fencing every older one. */
  register(transactionalId: string): number {
    const state = this.#ids.get(transactionalId) ?? { epoch: 0, open: null };
    this.#ids.set(transactionalId, state);
    state.epoch += 1;
    if (state.open !== null) this.#complete(state, state.open, 'aborted');
    return state.epoch;
  }

  /** Throws `ProducerFencedError` unless `epoch` is the id's newest. */
  assertCurrent(transactionalId: string, epoch: number): void {
    const state = this.#ids.get(transactionalId);
    if (state === undefined || state.epoch !== epoch) {
      throw new ProducerFencedError(
        `transactional id ${transactionalId} was taken over by a newer producer (epoch ${state?.epoch ?? 0} > ${epoch})`,
      );
    }
  }

  /** Begins a transaction for the current epoch; one may be open per id. */
  begin(transactionalId: string, epoch: number): OpenTransaction {
    this.assertCurrent(transactionalId, epoch);
    const state = this.#ids.get(transactionalId)!;
    if (state.open !== null) {
      throw new TransactionStateError(`transactional id ${transactionalId} already has an open transaction`);
    }
    state.open = new OpenTransaction(transactionalId, epoch);
    return state.open;
  }

  /** Throws unless `transaction` is open and its producer not fenced. */
  assertOpen(transaction: OpenTransaction): void {
    this.assertCurrent(transaction.transactionalId, transaction.epoch);
    if (transaction.status !== 'open') {
      throw new TransactionStateError(`the transaction of ${transaction.transactionalId} is already ${transaction.status}`);
    }
  }

  /** Commits or aborts: writes a marker to every partition written, then applies offsets on commit. */
  end(transaction: OpenTransaction, outcome: 'committed' | 'aborted'): void {
    this.assertOpen(transaction);
    this.#complete(this.#ids.get(transaction.transactionalId)!, transaction, outcome);
  }

  #complete(state: TransactionalIdState, transaction: OpenTransaction, outcome: 'committed' | 'aborted'): void {
    transaction.status = outcome;
    state.open = null;
    for (const partition of transaction.partitions) partition.endTransaction(transaction);
    if (outcome === 'committed') {
      for (const [groupId, offsets] of transaction.offsets) this.#commitOffsets(groupId, offsets);
    }
  }
}
