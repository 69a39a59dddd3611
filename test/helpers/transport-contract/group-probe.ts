import type {
  ConsumedBatch,
  ConsumedRecord,
  GroupConsumer,
  GroupConsumerHandlers,
  GroupConsumerOptions,
  TopicPartition,
  Transport,
} from '../../../protocols/transport.ts';
import { Changes } from './waiting.ts';

export const key = (tp: TopicPartition): string => `${tp.topic}/${tp.partition}`;

/** What one member was told, in order. */
export type ProbeEvent =
  | { readonly kind: 'assigned'; readonly partitions: readonly TopicPartition[]; readonly generation: number }
  | { readonly kind: 'revoked'; readonly partitions: readonly TopicPartition[]; readonly nextOwnerWaits: boolean }
  | { readonly kind: 'lost'; readonly partitions: readonly TopicPartition[] };

/**
 * A group member that records everything its handlers are told, so a test
 * can wait for a condition over one or several members (they share one
 * `Changes` feed) and then assert on what happened.
 */
export class GroupProbe {
  readonly consumer: GroupConsumer;
  readonly events: ProbeEvent[] = [];
  readonly records: ConsumedRecord[] = [];
  readonly batches: ConsumedBatch[] = [];
  /** Partitions between their assignment and their revocation or loss callbacks. */
  readonly owned = new Set<string>();
  /** The standbys the last `onStandbysAssigned` named (a member that hosts standbys). */
  standbys: string[] = [];
  readonly #changes: Changes;

  readonly #beforeRevocation: (partitions: readonly TopicPartition[]) => Promise<void>;

  /** `beforeRevocation` runs at the start of each revocation callback (to hold it open, for example). */
  constructor(
    transport: Transport,
    options: GroupConsumerOptions,
    changes: Changes,
    beforeRevocation: (partitions: readonly TopicPartition[]) => Promise<void> = async () => {},
  ) {
    this.consumer = transport.consumer(options);
    this.#changes = changes;
    this.#beforeRevocation = beforeRevocation;
  }

  /** Connects and joins the group for these topics. */
  async start(topics: readonly string[]): Promise<void> {
    await this.consumer.connect();
    await this.consumer.run(topics, this.handlers());
  }

  handlers(): GroupConsumerHandlers {
    return {
      onPartitionsAssigned: async (partitions, generation) => {
        this.events.push({ kind: 'assigned', partitions, generation });
        for (const tp of partitions) this.owned.add(key(tp));
        this.#changes.notify();
      },
      onPartitionsRevoked: async (partitions, _generation, nextOwnerWaits) => {
        await this.#beforeRevocation(partitions);
        this.events.push({ kind: 'revoked', partitions, nextOwnerWaits });
        for (const tp of partitions) this.owned.delete(key(tp));
        this.#changes.notify();
      },
      onPartitionsLost: async (partitions) => {
        this.events.push({ kind: 'lost', partitions });
        for (const tp of partitions) this.owned.delete(key(tp));
        this.#changes.notify();
      },
      onStandbysAssigned: async (partitions) => {
        this.standbys = partitions.map(key).sort();
        this.#changes.notify();
      },
      onBatch: async (batch) => {
        this.batches.push(batch);
        this.records.push(...batch.records);
        this.#changes.notify();
      },
    };
  }

  /** Generations this member was assigned partitions in, in order. */
  generations(): number[] {
    return this.events.flatMap((event) => (event.kind === 'assigned' ? [event.generation] : []));
  }

  revokedPartitions(): string[] {
    return this.events.flatMap((event) => (event.kind === 'revoked' ? event.partitions.map(key) : []));
  }

  /** What each revocation said of the next owners: whether they wait for this member. */
  nextOwnersWaited(): boolean[] {
    return this.events.flatMap((event) => (event.kind === 'revoked' ? [event.nextOwnerWaits] : []));
  }

  lostPartitions(): string[] {
    return this.events.flatMap((event) => (event.kind === 'lost' ? event.partitions.map(key) : []));
  }

  /** Delivered offsets of one partition, in delivery order. */
  offsets(partition: number): number[] {
    return this.records.filter((r) => r.partition === partition).map((r) => r.offset);
  }
}
