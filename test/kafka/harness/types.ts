/** A Kafka cluster a test can use, whichever way it was started. */
export interface KafkaTestCluster {
  /** Bootstrap addresses, `host:port`. */
  readonly brokers: string[];
  /** How the cluster runs: `external`, `testcontainers <image>`, `local JVM <version>`. */
  readonly kind: string;
  /** Stops every broker this harness started and removes their data. */
  stop(): Promise<void>;
  /** Stops broker `index` (zero-based) gracefully, keeping its data. */
  stopBroker(index: number): Promise<void>;
  /**
   * Kills broker `index` with SIGKILL (a crash: no controlled shutdown, no
   * flush), keeping its data; `startBroker` brings it back. Only brokers that
   * are local processes can be killed; absent otherwise.
   */
  killBroker?(index: number): Promise<void>;
  /** Starts broker `index` again after `stopBroker` or `killBroker`, and waits until the cluster sees it. */
  startBroker(index: number): Promise<void>;
}

/** Options of `startKafka`. */
export interface StartKafkaOptions {
  /**
   * Apache Kafka version for the local JVM broker.
   * @default the contents of scripts/kafka/default-version, or $EVENTIDE_KAFKA_VERSION
   */
  readonly version?: string;
  /**
   * How many brokers: 1, or 3 combined broker+controller nodes with a quorum,
   * replication factor 3 and min.insync.replicas=2.
   * @default 1
   */
  readonly brokers?: 1 | 3;
}
