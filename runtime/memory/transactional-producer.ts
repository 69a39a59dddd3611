import { TransactionStateError } from '../../protocols/errors.ts';
import type {
  ProducedRecord,
  TopicPartitionOffset,
  Transaction,
  TransactionalProducer,
} from '../../protocols/transport.ts';
import type { MemoryLog } from './memory-log.ts';
import type { MemoryNode } from './node.ts';
import type { OpenTransaction } from './transactions.ts';

/**
 * A transactional producer. `connect` takes the transactional id's next
 * epoch, fencing older producers (their open transaction is aborted, their
 * later calls throw `ProducerFencedError`).
 *
 * A graceful `disconnect` aborts the open transaction (Kafka would after the
 * transaction timeout); a crash leaves it open, blocking read_committed
 * readers at the last stable offset until a successor connects.
 */
export class MemoryTransactionalProducer implements TransactionalProducer {
  readonly transactionalId: string;
  readonly #log: MemoryLog;
  readonly #node: MemoryNode;
  readonly #untrack: () => void;
  #epoch: number | null = null;
  #open: OpenTransaction | null = null;

  constructor(log: MemoryLog, node: MemoryNode, transactionalId: string) {
    this.transactionalId = transactionalId;
    this.#log = log;
    this.#node = node;
    this.#untrack = node.track({ close: () => this.disconnect(), crash: () => {} });
  }

  async connect(): Promise<void> {
    this.#node.assertAlive();
    this.#epoch = this.#log.transactions.register(this.transactionalId);
  }

  async transaction(): Promise<Transaction> {
    this.#node.assertAlive();
    const epoch = this.#requireEpoch();
    this.#open = this.#log.transactions.begin(this.transactionalId, epoch);
    return new MemoryTransaction(this.#log, this.#node, this.#open);
  }

  async disconnect(): Promise<void> {
    this.#untrack();
    const open = this.#open;
    this.#open = null;
    if (this.#node.crashed || open === null || open.status !== 'open') return;
    try {
      this.#log.transactions.end(open, 'aborted');
    } catch {
      // Fenced meanwhile: the successor already aborted it.
    }
  }

  #requireEpoch(): number {
    if (this.#epoch === null) {
      throw new TransactionStateError(`transactional producer ${this.transactionalId} is not connected`);
    }
    return this.#epoch;
  }
}

/** One transaction; every call first checks the producer is neither fenced nor crashed. */
class MemoryTransaction implements Transaction {
  readonly #log: MemoryLog;
  readonly #node: MemoryNode;
  readonly #transaction: OpenTransaction;

  constructor(log: MemoryLog, node: MemoryNode, transaction: OpenTransaction) {
    this.#log = log;
    this.#node = node;
    this.#transaction = transaction;
  }

  async send(records: readonly ProducedRecord[]): Promise<void> {
    this.#node.fault({ kind: 'transaction.send', transactionalId: this.#transaction.transactionalId, records });
    this.#log.transactions.assertOpen(this.#transaction);
    this.#log.append(records, this.#transaction);
  }

  async sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    this.#node.fault({
      kind: 'transaction.sendOffsets',
      transactionalId: this.#transaction.transactionalId,
      groupId,
      offsets,
    });
    this.#log.transactions.assertOpen(this.#transaction);
    const pending = this.#transaction.offsets.get(groupId) ?? [];
    pending.push(...offsets.map(({ topic, partition, offset, metadata }) => ({ topic, partition, offset, ...(metadata === undefined ? {} : { metadata }) })));
    this.#transaction.offsets.set(groupId, pending);
  }

  async commit(): Promise<void> {
    this.#node.fault({ kind: 'transaction.commit', transactionalId: this.#transaction.transactionalId });
    this.#log.transactions.end(this.#transaction, 'committed');
  }

  async abort(): Promise<void> {
    this.#node.assertAlive();
    this.#log.transactions.end(this.#transaction, 'aborted');
  }
}
