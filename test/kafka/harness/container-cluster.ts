import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from './free-port.ts';
import type { KafkaTestCluster } from './types.ts';
import { waitForCluster } from './wait-for-cluster.ts';

/** The image used when a container runtime answers; cp-kafka 8 runs KRaft only. */
export const KAFKA_IMAGE = process.env.EVENTIDE_KAFKA_IMAGE ?? 'confluentinc/cp-kafka:8.0.0';

/**
 * Whether a container runtime may be reachable, decided without touching the
 * network: Testcontainers itself would probe several sockets and time out
 * slowly where none exists.
 */
export function containerRuntimeHinted(): boolean {
  if (process.env.DOCKER_HOST || process.env.TESTCONTAINERS_HOST_OVERRIDE) return true;
  const properties = join(homedir(), '.testcontainers.properties');
  if (existsSync(properties) && /^(docker\.host|tc\.host)\s*=/m.test(readFileSync(properties, 'utf8'))) return true;
  const runtimeDir = process.env.XDG_RUNTIME_DIR ?? `/run/user/${userInfo().uid}`;
  return [
    '/var/run/docker.sock',
    join(runtimeDir, 'docker.sock'),
    join(runtimeDir, 'podman', 'podman.sock'),
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.docker', 'desktop', 'docker.sock'),
  ].some((socket) => existsSync(socket));
}

/**
 * Starts Kafka in KRaft mode with Testcontainers, or returns undefined when no
 * container runtime answers within a few seconds. Host ports are fixed before
 * start so the advertised listeners are right from the first second and a
 * stopped broker comes back on the same address.
 */
export async function startContainerCluster(count: 1 | 3): Promise<KafkaTestCluster | undefined> {
  const tc = await import('testcontainers');
  const client = await Promise.race([
    tc.getContainerRuntimeClient().catch(() => undefined),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5_000).unref()),
  ]);
  if (client === undefined) return undefined;
  const host = client.info.containerRuntime.host;
  const network = await new tc.Network().start();
  const clusterId = randomBytes(16).toString('base64url');
  const hostPorts = await Promise.all(Array.from({ length: count }, () => freePort()));
  const names = hostPorts.map((_, i) => `kafka-${i}`);
  const replication = count === 3 ? 3 : 1;
  const minIsr = count === 3 ? 2 : 1;
  const definitions = hostPorts.map((hostPort, i) =>
    new tc.GenericContainer(KAFKA_IMAGE)
      .withNetwork(network)
      .withNetworkAliases(names[i])
      .withHostname(names[i])
      .withExposedPorts({ container: 9092, host: hostPort })
      .withEnvironment({
        CLUSTER_ID: clusterId,
        KAFKA_NODE_ID: String(i + 1),
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_CONTROLLER_QUORUM_VOTERS: names.map((name, j) => `${j + 1}@${name}:9093`).join(','),
        KAFKA_LISTENERS: 'EXTERNAL://0.0.0.0:9092,INTERNAL://0.0.0.0:19092,CONTROLLER://0.0.0.0:9093',
        KAFKA_ADVERTISED_LISTENERS: `EXTERNAL://${host}:${hostPort},INTERNAL://${names[i]}:19092`,
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'EXTERNAL:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
        KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_DEFAULT_REPLICATION_FACTOR: String(replication),
        KAFKA_MIN_INSYNC_REPLICAS: String(minIsr),
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: String(replication),
        KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '6',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: String(replication),
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: String(minIsr),
        KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS: '6',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
        KAFKA_LOG_SEGMENT_BYTES: '1048576',
        KAFKA_HEAP_OPTS: '-Xmx512m -Xms128m',
      }),
  );
  const started = Date.now();
  const containers = await Promise.all(definitions.map((definition) => definition.start()));
  const brokers = hostPorts.map((port) => `${host}:${port}`);
  await waitForCluster(brokers, count);
  const kind = `testcontainers ${KAFKA_IMAGE}`;
  console.log(`kafka: ${kind} at ${brokers.join(',')} (started in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const containerAt = (index: number) => {
    const container = containers[index];
    if (container === undefined) throw new RangeError(`kafka: no broker ${index}; the cluster has ${count}`);
    return container;
  };
  return {
    brokers,
    kind,
    async stop() {
      await Promise.all(containers.map((container) => container.stop()));
      await network.stop();
    },
    async stopBroker(index) {
      // Stops the broker process; the container stays, with its data, until startBroker restarts it.
      await containerAt(index).exec(['bash', '-c', 'kill -TERM 1']);
    },
    async startBroker(index) {
      await containerAt(index).restart();
      await waitForCluster(brokers, count);
    },
  };
}
