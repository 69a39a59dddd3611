import type { ConsumedRecord, GroupConsumerHandlers, TopicPartition } from '../../../protocols/transport.ts';
import { MemoryLog, memoryTransport, type MemoryLogOptions, type HandlerErrorContext, type MemoryTransport, type MemoryTransportOptions } from '../../../runtime/memory/index.ts';
import { Changes } from '../../helpers/transport-contract/waiting.ts';

/** A memory cluster for memory-only tests: one log, nodes on demand, errors collected. */
export class MemoryCluster {
  readonly log: MemoryLog;
  readonly nodes: MemoryTransport[] = [];
  readonly errors: { error: unknown; context: HandlerErrorContext }[] = [];
  readonly changes = new Changes();

  constructor(options: MemoryLogOptions = {}) {
    this.log = new MemoryLog(options);
  }

  node(options: Omit<MemoryTransportOptions, 'onError'> = {}): MemoryTransport {
    const transport = memoryTransport(this.log, {
      clientId: `node-${this.nodes.length}`,
      ...options,
      onError: (error, context) => {
        this.errors.push({ error, context });
        this.changes.notify();
      },
    });
    this.nodes.push(transport);
    return transport;
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.close()));
  }
}

export const bytes = (value: string): Buffer => Buffer.from(value, 'utf8');
export const text = (record: ConsumedRecord): string | null => record.value?.toString('utf8') ?? null;
export const key = (tp: TopicPartition): string => `${tp.topic}/${tp.partition}`;

/** A shared, ordered journal of what every member was told, for ordering assertions across members. */
export class Journal {
  readonly entries: string[] = [];
  readonly records = new Map<string, ConsumedRecord[]>();
  readonly owned = new Map<string, Set<string>>();
  readonly #changes: Changes;

  constructor(changes: Changes) {
    this.#changes = changes;
  }

  handlers(member: string, overrides: Partial<GroupConsumerHandlers> = {}): GroupConsumerHandlers {
    this.records.set(member, []);
    this.owned.set(member, new Set());
    return {
      onPartitionsAssigned: async (partitions, generation, _handOvers) => {
        this.entries.push(...partitions.map((tp) => `${member} assigned ${key(tp)} in ${generation}`));
        for (const tp of partitions) this.owned.get(member)!.add(key(tp));
        await overrides.onPartitionsAssigned?.(partitions, generation, _handOvers);
        this.#changes.notify();
      },
      onPartitionsRevoked: async (partitions, generation, nextOwnerWaits) => {
        await overrides.onPartitionsRevoked?.(partitions, generation, nextOwnerWaits);
        this.entries.push(...partitions.map((tp) => `${member} revoked ${key(tp)}`));
        for (const tp of partitions) this.owned.get(member)!.delete(key(tp));
        this.#changes.notify();
      },
      onPartitionsLost: async (partitions) => {
        await overrides.onPartitionsLost?.(partitions);
        this.entries.push(...partitions.map((tp) => `${member} lost ${key(tp)}`));
        for (const tp of partitions) this.owned.get(member)!.delete(key(tp));
        this.#changes.notify();
      },
      onBatch: async (batch) => {
        this.records.get(member)!.push(...batch.records);
        this.#changes.notify();
        await overrides.onBatch?.(batch);
      },
    };
  }
}
