/** Addresses of one combined broker+controller node. */
export interface NodeAddress {
  readonly nodeId: number;
  readonly brokerPort: number;
  readonly controllerPort: number;
  /** Port of a SASL_PLAINTEXT listener (SCRAM-SHA-256 and -512), when the cluster has one. */
  readonly saslPort?: number;
  /** Port of an SSL listener, when the cluster has one. */
  readonly tlsPort?: number;
}

/** What a node's SSL listener presents. */
export interface BrokerTls {
  /** A PKCS12 keystore with the broker's key and certificate. */
  readonly keystoreFile: string;
  readonly password: string;
}

/**
 * The server.properties of one KRaft node in combined mode
 * (process.roles=broker,controller), tuned for tests: everything on
 * 127.0.0.1, no topic auto-creation, no initial rebalance delay, small
 * segments and small internal topics so a 2-core machine starts quickly.
 */
export function serverProperties(node: NodeAddress, quorum: readonly NodeAddress[], dataDir: string, tls?: BrokerTls): string {
  const replication = quorum.length >= 3 ? 3 : 1;
  const minIsr = quorum.length >= 3 ? 2 : 1;
  const settings: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': node.nodeId,
    'controller.quorum.voters': quorum.map((n) => `${n.nodeId}@127.0.0.1:${n.controllerPort}`).join(','),
    ...listenerSettings(node, tls),
    'log.dirs': dataDir,
    'num.partitions': 1,
    'default.replication.factor': replication,
    'min.insync.replicas': minIsr,
    'offsets.topic.replication.factor': replication,
    'offsets.topic.num.partitions': 6,
    'transaction.state.log.replication.factor': replication,
    'transaction.state.log.min.isr': minIsr,
    'transaction.state.log.num.partitions': 6,
    'share.coordinator.state.topic.replication.factor': replication,
    'share.coordinator.state.topic.min.isr': minIsr,
    'group.initial.rebalance.delay.ms': 0,
    'auto.create.topics.enable': 'false',
    'log.segment.bytes': 1_048_576,
    'log.retention.check.interval.ms': 60_000,
    'num.network.threads': 2,
    'num.io.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
    'background.threads': 2,
    'log.cleaner.threads': 1,
    'log.cleaner.dedupe.buffer.size': 8_388_608,
  };
  return Object.entries(settings)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')
    .concat('\n');
}

/**
 * The listeners of a node: PLAINTEXT (inter-broker, and the tests' own
 * clients) and CONTROLLER always, plus SASL_PLAINTEXT with SCRAM and SSL
 * when the node has their ports. Only clients use the secured ones.
 */
function listenerSettings(node: NodeAddress, tls: BrokerTls | undefined): Record<string, string> {
  const clients: [name: string, port: number][] = [['PLAINTEXT', node.brokerPort]];
  if (node.saslPort !== undefined) clients.push(['SASL_PLAINTEXT', node.saslPort]);
  if (node.tlsPort !== undefined) clients.push(['SSL', node.tlsPort]);
  const advertised = clients.map(([name, port]) => `${name}://127.0.0.1:${port}`);
  const settings: Record<string, string> = {
    listeners: [...advertised, `CONTROLLER://127.0.0.1:${node.controllerPort}`].join(','),
    'advertised.listeners': advertised.join(','),
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': [...clients.map(([name]) => `${name}:${name}`), 'CONTROLLER:PLAINTEXT'].join(','),
  };
  if (node.saslPort !== undefined) {
    settings['sasl.enabled.mechanisms'] = 'SCRAM-SHA-256,SCRAM-SHA-512';
    for (const mechanism of ['scram-sha-256', 'scram-sha-512']) {
      settings[`listener.name.sasl_plaintext.${mechanism}.sasl.jaas.config`] = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
    }
  }
  if (node.tlsPort !== undefined) {
    if (tls === undefined) throw new Error(`kafka: node ${node.nodeId} has an SSL port but no keystore`);
    settings['listener.name.ssl.ssl.keystore.type'] = 'PKCS12';
    settings['listener.name.ssl.ssl.keystore.location'] = tls.keystoreFile;
    settings['listener.name.ssl.ssl.keystore.password'] = tls.password;
    settings['listener.name.ssl.ssl.key.password'] = tls.password;
    settings['listener.name.ssl.ssl.client.auth'] = 'none';
  }
  return settings;
}
