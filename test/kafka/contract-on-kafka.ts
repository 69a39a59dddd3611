/**
 * Registers the transport contract suite against a local broker of one Kafka
 * version, so the same suite runs on the default version and on the last 3.x.
 */
import type { TestFn } from 'ava';
import { randomUUID } from 'node:crypto';
import type { Transport } from '../../protocols/transport.ts';
import kafkajs from '../../runtime/kafka/kafkajs.ts';
import { kafkaTransport, type KafkaTransportConfig } from '../../runtime/kafka/index.ts';
import { transportContractTests } from '../helpers/transport-contract.ts';
import { startKafka, type KafkaTestCluster } from './harness/index.ts';

/** The slice of kafkajs's internal cluster and broker that sends a LeaveGroup for someone else. */
interface GroupCoordinatorAccess {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<{ leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown> }>;
}

/**
 * Removes a member from its group the way the coordinator does when the
 * member's session expires: a LeaveGroup naming its member id, sent by
 * another client. kafkajs's admin client has no call for it, so this goes
 * through kafkajs's internal cluster (found by its symbol's name).
 */
async function expelMember(brokers: string[], groupId: string, memberId: string): Promise<void> {
  const client = new kafkajs.Kafka({ brokers, clientId: 'contract-expeller', logLevel: kafkajs.logLevel.NOTHING });
  const createCluster = Object.getOwnPropertySymbols(client).find((symbol) => symbol.description === 'private:Kafka:createCluster');
  if (createCluster === undefined) throw new Error('kafkajs changed: no private:Kafka:createCluster on the client');
  const cluster = (client as unknown as Record<symbol, (options: object) => GroupCoordinatorAccess>)[createCluster]!({ allowAutoTopicCreation: false });
  await cluster.connect();
  try {
    const coordinator = await cluster.findGroupCoordinator({ groupId });
    await coordinator.leaveGroup({ groupId, memberId });
  } finally {
    await cluster.disconnect();
  }
}

export function contractOnKafka(test: TestFn, version?: string): void {
  // One broker for the whole file; every contract test uses its own topics and groups.
  let kafka: KafkaTestCluster | undefined;

  test.before(async () => {
    kafka = await startKafka(version === undefined ? {} : { version });
  });

  test.after.always(async () => {
    await kafka?.stop();
  });

  /** Short heartbeats so members notice rebalances within a second. */
  const config = (): KafkaTransportConfig => ({
    brokers: kafka!.brokers,
    clientId: `contract-${randomUUID().slice(0, 8)}`,
    group: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500, maxWaitTimeMs: 200 },
  });

  transportContractTests(
    test,
    version === undefined ? 'kafka' : `kafka ${version}`,
    async () => {
      const transports: Transport[] = [kafkaTransport(config())];
      return {
        transport: transports[0]!,
        second: () => {
          const node = kafkaTransport(config());
          transports.push(node);
          return node;
        },
        topic: (base) => `${base}-${randomUUID()}`,
        expel: (groupId, memberId) => expelMember(kafka!.brokers, groupId, memberId),
        teardown: async () => {
          await Promise.all(transports.map((t) => t.close()));
        },
      };
    },
    // kafkajs rebalances eagerly and awaits no callback; eventide's assignor tells each new owner whom to wait for.
    { handOver: 'eager', announcesHandOvers: true },
  );
}
