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
  /** The secured listeners asked for with `security` (PLAINTEXT stays on `brokers`). */
  readonly secured?: SecuredListeners;
}

/** A SCRAM user created on the cluster before it starts. */
export interface ScramUser {
  readonly username: string;
  readonly password: string;
}

/**
 * Listeners beside PLAINTEXT (which keeps carrying inter-broker and
 * controller traffic, and the tests' own clients).
 */
export interface ClusterSecurityOptions {
  /**
   * A SASL_PLAINTEXT listener with SCRAM-SHA-256 and SCRAM-SHA-512; each user
   * gets credentials for both mechanisms, written by `kafka-storage format
   * --add-scram` so they exist before the broker answers.
   */
  readonly scram?: { readonly users: readonly ScramUser[] };
  /** An SSL listener whose certificate (for 127.0.0.1) is signed by a CA generated for this cluster. */
  readonly tls?: boolean;
}

/** Where the secured listeners of a test cluster are, and what a client needs to trust them. */
export interface SecuredListeners {
  /** Bootstrap addresses of the SASL_PLAINTEXT (SCRAM) listener. */
  readonly sasl?: { readonly brokers: string[] };
  /** Bootstrap addresses of the SSL listener, and the CA that signed its certificates. */
  readonly tls?: {
    readonly brokers: string[];
    /** The CA certificate, PEM: what Node's TLS `ca` option takes. */
    readonly ca: string;
    /** The same, as a file (what `eventide --ssl-ca` takes). */
    readonly caFile: string;
  };
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
  /**
   * Secured listeners besides PLAINTEXT. Only the local JVM broker has them:
   * asking for them skips Testcontainers and refuses `KAFKA_BROKERS`.
   * @default none
   */
  readonly security?: ClusterSecurityOptions;
}
