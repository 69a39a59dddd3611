import type { Producer, ProducedRecord } from '../../protocols/transport.ts';
import type { MemoryLog } from './memory-log.ts';
import type { MemoryNode } from './node.ts';

/**
 * A plain producer: a `send` is appended (and visible to every reader) before
 * its promise resolves. Connecting is optional; after the node crashed every
 * call but `disconnect` throws `TransportUnavailableError`.
 */
export class MemoryProducer implements Producer {
  readonly #log: MemoryLog;
  readonly #node: MemoryNode;
  readonly #untrack: () => void;

  constructor(log: MemoryLog, node: MemoryNode) {
    this.#log = log;
    this.#node = node;
    this.#untrack = node.track({ close: () => this.disconnect(), crash: () => {} });
  }

  async connect(): Promise<void> {
    this.#node.assertAlive();
  }

  async send(records: readonly ProducedRecord[]): Promise<void> {
    this.#node.fault({ kind: 'send', records });
    this.#log.append(records, null);
  }

  async disconnect(): Promise<void> {
    this.#untrack();
  }
}
