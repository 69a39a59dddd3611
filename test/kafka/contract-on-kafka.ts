/**
 * Registers the transport contract suite against a local broker of one Kafka
 * version, so the same suite runs on the default version and on the last 3.x.
 */
import type { TestFn } from 'ava';
import { randomUUID } from 'node:crypto';
import type { Transport } from '../../protocols/transport.ts';
import { kafkaTransport, type KafkaTransportConfig } from '../../runtime/kafka/index.ts';
import { transportContractTests } from '../helpers/transport-contract.ts';
import { startKafka, type KafkaTestCluster } from './harness/index.ts';

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

  transportContractTests(test, version === undefined ? 'kafka' : `kafka ${version}`, async () => {
    const transports: Transport[] = [kafkaTransport(config())];
    return {
      transport: transports[0]!,
      second: () => {
        const node = kafkaTransport(config());
        transports.push(node);
        return node;
      },
      topic: (base) => `${base}-${randomUUID()}`,
      teardown: async () => {
        await Promise.all(transports.map((t) => t.close()));
      },
    };
  });
}
