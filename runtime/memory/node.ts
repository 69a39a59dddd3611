import { TransportUnavailableError } from '../../protocols/errors.ts';
import type { ProducedRecord, TopicPartitionOffset } from '../../protocols/transport.ts';

/**
 * An operation about to run on a memory transport. The `faults` hook sees
 * each one first and may throw (the operation then fails, nothing is
 * written) or crash the node (the operation then fails as on a dead node).
 */
export type FaultPoint =
  | { readonly kind: 'send'; readonly records: readonly ProducedRecord[] }
  | { readonly kind: 'transaction.send'; readonly transactionalId: string; readonly records: readonly ProducedRecord[] }
  | {
      readonly kind: 'transaction.sendOffsets';
      readonly transactionalId: string;
      readonly groupId: string;
      readonly offsets: readonly TopicPartitionOffset[];
    }
  | { readonly kind: 'transaction.commit'; readonly transactionalId: string }
  | { readonly kind: 'commitOffsets'; readonly groupId: string; readonly offsets: readonly TopicPartitionOffset[] };

/** Where a handler error came from. */
export interface HandlerErrorContext {
  readonly source: 'onBatch' | 'onPartitionsAssigned' | 'onPartitionsRevoked' | 'onPartitionsLost' | 'onStandbysAssigned' | 'onRecords';
  readonly clientId: string;
  readonly groupId?: string;
  readonly topic?: string;
  readonly partition?: number;
}

/** Receives errors thrown by handlers the transport called (the member stays alive). */
export type HandlerErrorListener = (error: unknown, context: HandlerErrorContext) => void;

/** A client the node must close on `close()` and silence on `crash()`. */
export interface NodeClient {
  close(): Promise<void>;
  crash(): void;
}

/**
 * One node's view of the cluster: its client id, whether it crashed, its
 * fault hook and error listener, and the clients it created.
 */
export class MemoryNode {
  readonly clientId: string;
  readonly #faults: ((operation: FaultPoint) => void) | undefined;
  readonly #onError: HandlerErrorListener;
  readonly #clients = new Set<NodeClient>();
  #crashed = false;

  constructor(clientId: string, faults: ((operation: FaultPoint) => void) | undefined, onError: HandlerErrorListener) {
    this.clientId = clientId;
    this.#faults = faults;
    this.#onError = onError;
  }

  get crashed(): boolean {
    return this.#crashed;
  }

  /** Throws `TransportUnavailableError` once the node crashed. */
  assertAlive(): void {
    if (this.#crashed) throw new TransportUnavailableError(`memory transport ${this.clientId} crashed`);
  }

  /** Runs the fault hook for an operation, then checks the node is still alive. */
  fault(operation: FaultPoint): void {
    this.assertAlive();
    this.#faults?.(operation);
    this.assertAlive();
  }

  /** Reports an error a handler threw; the transport goes on. */
  reportError(error: unknown, context: Omit<HandlerErrorContext, 'clientId'>): void {
    this.#onError(error, { ...context, clientId: this.clientId });
  }

  /** Tracks a client; returns the function that forgets it. */
  track(client: NodeClient): () => void {
    this.assertAlive();
    this.#clients.add(client);
    return () => this.#clients.delete(client);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#clients].map((client) => client.close()));
  }

  crash(): void {
    if (this.#crashed) return;
    this.#crashed = true;
    for (const client of this.#clients) client.crash();
  }
}
