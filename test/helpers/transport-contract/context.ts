import type { ExecutionContext, TestFn } from 'ava';
import type { ConsumedRecord, Isolation, PartitionReader, Transport } from '../../../protocols/transport.ts';

/** One cluster for one contract test. */
export interface ContractCluster {
  /** The node under test. */
  readonly transport: Transport;
  /** Another node's transport on the same cluster (a second process, in Kafka terms). */
  readonly second: () => Transport;
  /** A topic name no other test uses. */
  readonly topic: (base: string) => string;
  /**
   * Removes a live member from its group as the coordinator does when its
   * session expires (Kafka: a LeaveGroup sent on its behalf; memory:
   * `ConsumerGroup.expel`). The member is not told; it finds out as a real one would.
   */
  readonly expel: (groupId: string, memberId: string) => Promise<void>;
  /** Closes every transport the setup handed out and frees the cluster. */
  readonly teardown: () => Promise<void>;
}

export type ContractSetup = () => Promise<ContractCluster>;

/** What a transport promises beyond the common contract, so the suite checks that too. */
export interface ContractTraits {
  /**
   * `'eager'`: a moved partition reaches its new owner without waiting for
   * its old owner's revocation callback (kafkajs, the memory log's eager
   * mode); `'revoke-first'`: only once that callback returned.
   */
  readonly handOver: 'eager' | 'revoke-first';
  /**
   * An eager transport whose new owners are told of each hand-over (Kafka,
   * through eventide's assignor), so a revoked member is told its next
   * owner waits for it. @default false
   */
  readonly announcesHandOvers?: boolean;
}

/** Registers one contract test: a fresh cluster, the body, then the teardown whatever happened. */
export type ContractTest = (title: string, body: (t: ExecutionContext, cluster: ContractCluster) => Promise<void>) => void;

export function contractTest(test: TestFn, name: string, setup: ContractSetup): ContractTest {
  return (title, body) => {
    test(`${name}: ${title}`, async (t) => {
      const cluster = await setup();
      try {
        await body(t, cluster);
      } finally {
        await cluster.teardown();
      }
    });
  };
}

export const text = (record: ConsumedRecord): string | null => record.value?.toString('utf8') ?? null;

export const bytes = (value: string): Buffer => Buffer.from(value, 'utf8');

/** Every record of a partition in [from, until), concatenated from the reader's chunks. */
export async function readRange(
  reader: PartitionReader,
  topic: string,
  partition: number,
  from: number,
  until: number,
  isolation: Isolation = 'read_committed',
): Promise<ConsumedRecord[]> {
  const records: ConsumedRecord[] = [];
  for await (const chunk of reader.read({ topic, partition, offset: from }, until, { isolation })) records.push(...chunk);
  return records;
}

/** Every record a reader with this isolation can see now in one partition. */
export async function readVisible(
  reader: PartitionReader,
  topic: string,
  partition: number,
  isolation: Isolation = 'read_committed',
): Promise<ConsumedRecord[]> {
  const [start, end] = [await reader.startOffsets(topic), await reader.endOffsets(topic, isolation)];
  return readRange(reader, topic, partition, start.get(partition) ?? 0, end.get(partition) ?? 0, isolation);
}

/** The values of a by-partition map, partition 0 first. */
export const inPartitionOrder = (byPartition: ReadonlyMap<number, number>): number[] =>
  [...byPartition.entries()].sort(([a], [b]) => a - b).map(([, value]) => value);
