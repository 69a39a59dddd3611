/**
 * A real Kafka for tests, found or started in this order:
 *
 * 1. `KAFKA_BROKERS` (comma-separated `host:port`): an existing cluster;
 * 2. Testcontainers with `confluentinc/cp-kafka` (KRaft), when a container
 *    runtime answers quickly;
 * 3. local JVM processes from the official Apache Kafka jars, resolved with
 *    Maven into `~/.cache/eventide/kafka/<version>/libs`.
 *
 * It prints which one it used and throws, saying what to install, when none
 * works. Tests never skip for want of a broker.
 *
 * @example
 * ```ts
 * const kafka = await startKafka();            // one broker, default version
 * const transport = kafkaTransport({ brokers: kafka.brokers });
 * // ...
 * await kafka.stop();
 * ```
 */
import { containerRuntimeHinted, startContainerCluster } from './container-cluster.ts';
import { defaultKafkaVersion, startLocalJvmCluster } from './local-jvm-cluster.ts';
import type { KafkaTestCluster, StartKafkaOptions } from './types.ts';

export type { ClusterSecurityOptions, KafkaTestCluster, ScramUser, SecuredListeners, StartKafkaOptions } from './types.ts';
export { defaultKafkaVersion } from './local-jvm-cluster.ts';

/** Finds or starts a Kafka cluster for a test file; see the module comment. */
export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaTestCluster> {
  const count = options.brokers ?? 1;
  const { security } = options;
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external && security !== undefined) throw new Error('kafka: this test needs secured listeners the harness configures itself; unset KAFKA_BROKERS to let it start a local broker');
  if (external) return externalCluster(external.split(',').map((b) => b.trim()).filter(Boolean));

  const failures: string[] = [];
  // Only the local JVM broker is given secured listeners, so a test that asks for them skips containers.
  if (security === undefined && containerRuntimeHinted() && process.env.EVENTIDE_KAFKA_NO_CONTAINERS === undefined) {
    try {
      const cluster = await startContainerCluster(count);
      if (cluster !== undefined) return cluster;
      failures.push('no container runtime answered');
    } catch (error) {
      failures.push(`Testcontainers failed: ${(error as Error).message}`);
    }
  }
  const version = options.version ?? defaultKafkaVersion();
  try {
    return await startLocalJvmCluster(version, count, security === undefined ? {} : { security });
  } catch (error) {
    failures.push((error as Error).message);
  }
  throw new Error(
    `kafka: no broker for the tests. ${failures.join('; ')}. ` +
      'Install a JDK 17+ and Maven (the harness resolves Apache Kafka from Maven Central), ' +
      'or run a Docker engine for Testcontainers, or set KAFKA_BROKERS=host:port.',
  );
}

function externalCluster(brokers: string[]): KafkaTestCluster {
  console.log(`kafka: external cluster at ${brokers.join(',')} (KAFKA_BROKERS)`);
  const unsupported = async () => {
    throw new Error('kafka: cannot stop or start brokers of an external cluster (KAFKA_BROKERS)');
  };
  return { brokers, kind: 'external', stop: async () => undefined, stopBroker: unsupported, startBroker: unsupported };
}
