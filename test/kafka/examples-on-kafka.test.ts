/**
 * The examples on a real broker: the same specifications as
 * test/examples/, with each node on its own kafkajs transport.
 */
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { kafkaTransport, ManualClock, type KafkaTransportConfig, type Transport } from 'eventide';
import { startKafka, type KafkaTestCluster } from './harness/index.ts';
import { sessionizeHandover } from '../helpers/sessionize-scenario.ts';
import { rateLimitHandover } from '../helpers/rate-limit-scenario.ts';
import type { ExampleEnvironment } from '../helpers/example-nodes.ts';
import { T0 } from '../helpers/pipeline-fixture.ts';

let kafka: KafkaTestCluster | undefined;

test.before(async () => {
  kafka = await startKafka();
});

test.after.always(async () => {
  await kafka?.stop();
});

/** Short heartbeats so a node that leaves is noticed within seconds. */
const config = (clientId: string): KafkaTransportConfig => ({
  brokers: kafka!.brokers,
  clientId,
  group: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500, maxWaitTimeMs: 200 },
});

function environment(t: { teardown(fn: () => Promise<void>): void }): ExampleEnvironment {
  const admin: Transport = kafkaTransport(config('examples-admin'));
  t.teardown(() => admin.close());
  return { admin, transportFor: (nodeId) => kafkaTransport(config(nodeId)), clock: new ManualClock(T0), group: `examples-${randomUUID().slice(0, 8)}` };
}

// The two examples use different topics but share the broker: run them one after the other.
test.serial('sessionize on Kafka: exact sessions, carried over a handover by snapshots', async (t) => {
  await sessionizeHandover(t, environment(t));
});

test.serial('rate-limit on Kafka: one alert per key and window over its limit, across a handover', async (t) => {
  await rateLimitHandover(t, environment(t));
});
