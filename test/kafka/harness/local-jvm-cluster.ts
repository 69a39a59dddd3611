import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverProperties, type BrokerTls, type NodeAddress } from './broker-config.ts';
import { freePort } from './free-port.ts';
import { createClusterDir, destroyClusterDir } from './process-registry.ts';
import { createBrokerKeystore, createCertificateAuthority } from './test-certificates.ts';
import type { ClusterSecurityOptions, KafkaTestCluster, ScramUser, SecuredListeners } from './types.ts';
import { waitForCluster } from './wait-for-cluster.ts';

const scripts = resolve(dirname(fileURLToPath(import.meta.url)), '../../../scripts/kafka');

/** The version the project defaults to (scripts/kafka/default-version). */
export function defaultKafkaVersion(): string {
  return process.env.EVENTIDE_KAFKA_VERSION ?? readFileSync(join(scripts, 'default-version'), 'utf8').trim();
}

/**
 * Resolves the broker jars with Maven (cached outside the repo; see
 * scripts/kafka/resolve-kafka.sh) and returns the libs folder. Throws with
 * what to install when Java or Maven is missing.
 */
export function resolveKafkaLibs(version: string): string {
  for (const [tool, install] of [
    ['java', 'a JDK 17+ (apt-get install openjdk-17-jdk-headless)'],
    ['mvn', 'Maven (apt-get install maven)'],
  ] as const) {
    const probe = spawnSync(tool === 'java' ? javaBinary() : tool, ['-version'], { stdio: 'ignore' });
    if (probe.error !== undefined) throw new Error(`kafka: no ${tool} found; install ${install}, or set KAFKA_BROKERS`);
  }
  const result = spawnSync('bash', [join(scripts, 'resolve-kafka.sh'), version], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const libs = result.stdout?.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !existsSync(libs)) {
    throw new Error(`kafka: resolving Apache Kafka ${version} with Maven failed (exit ${result.status}); see the Maven output above`);
  }
  return libs;
}

function javaBinary(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

interface LocalNode extends NodeAddress {
  readonly dir: string;
  readonly tls?: BrokerTls;
  process?: ChildProcess;
  exit?: string;
}

/** Options of {@link startLocalJvmCluster}. */
export interface LocalJvmClusterOptions {
  /** Secured listeners besides PLAINTEXT. @default none */
  readonly security?: ClusterSecurityOptions;
}

/**
 * Starts `count` KRaft nodes (combined broker+controller) as JVM processes on
 * 127.0.0.1 and waits until every broker is registered. With `security`,
 * each node also listens with SASL_PLAINTEXT (SCRAM users created at format
 * time) and/or SSL (a CA and certificates generated into the cluster's
 * folder); PLAINTEXT stays for inter-broker and controller traffic.
 *
 * @example
 * ```ts
 * const kafka = await startLocalJvmCluster('4.4.0', 1, { security: { scram: { users: [{ username: 'alice', password }] }, tls: true } });
 * kafka.secured?.sasl?.brokers; // ['127.0.0.1:41234']
 * kafka.secured?.tls?.caFile;   // the CA a client trusts
 * ```
 */
export async function startLocalJvmCluster(version: string, count: 1 | 3, options: LocalJvmClusterOptions = {}): Promise<KafkaTestCluster> {
  const { security } = options;
  const libs = resolveKafkaLibs(version);
  const root = createClusterDir();
  const ca = security?.tls === true ? createCertificateAuthority(join(root, 'tls'), 'eventide-test-ca') : undefined;
  const nodes: LocalNode[] = [];
  for (let i = 0; i < count; i++) {
    const dir = join(root, `node-${i + 1}`);
    mkdirSync(join(dir, 'data'), { recursive: true });
    nodes.push({
      nodeId: i + 1,
      brokerPort: await freePort(),
      controllerPort: await freePort(),
      ...(security?.scram === undefined ? {} : { saslPort: await freePort() }),
      ...(ca === undefined ? {} : { tlsPort: await freePort(), tls: createBrokerKeystore(dir, ca, `broker-${i + 1}`) }),
      dir,
    });
  }
  const clusterId = randomBytes(16).toString('base64url');
  for (const node of nodes) {
    writeFileSync(join(node.dir, 'server.properties'), serverProperties(node, nodes, join(node.dir, 'data'), node.tls));
  }
  await Promise.all(nodes.map((node) => formatStorage(libs, clusterId, node, security?.scram?.users ?? [])));
  const brokers = nodes.map((n) => `127.0.0.1:${n.brokerPort}`);
  const started = Date.now();
  try {
    for (const node of nodes) launch(libs, node);
    await waitForCluster(brokers, count, { isAlive: () => deathOf(nodes) });
  } catch (error) {
    const logs = nodes.map((n) => join(n.dir, 'logs', 'server.log')).join(', ');
    destroyClusterDir(root);
    throw new Error(`kafka: local JVM ${version} did not start (logs were in ${logs}): ${(error as Error).message}`);
  }
  const kind = `local JVM ${version}`;
  const secured: SecuredListeners = {
    ...(security?.scram === undefined ? {} : { sasl: { brokers: nodes.map((n) => `127.0.0.1:${n.saslPort}`) } }),
    ...(ca === undefined ? {} : { tls: { brokers: nodes.map((n) => `127.0.0.1:${n.tlsPort}`), ca: ca.certificate, caFile: ca.certificateFile } }),
  };
  const also = [secured.sasl && `SASL_PLAINTEXT (SCRAM) at ${secured.sasl.brokers.join(',')}`, secured.tls && `SSL at ${secured.tls.brokers.join(',')}`].filter(Boolean);
  console.log(`kafka: ${kind} at ${brokers.join(',')}${also.length === 0 ? '' : `, ${also.join(', ')}`} (started in ${((Date.now() - started) / 1000).toFixed(1)} s)`);

  return {
    brokers,
    kind,
    ...(security === undefined ? {} : { secured }),
    async stop() {
      for (const node of nodes) node.process?.removeAllListeners('exit');
      destroyClusterDir(root);
    },
    async stopBroker(index) {
      const node = nodeAt(nodes, index);
      await terminate(node);
    },
    async killBroker(index) {
      await crash(nodeAt(nodes, index));
    },
    async startBroker(index) {
      const node = nodeAt(nodes, index);
      if (node.process !== undefined) throw new Error(`kafka: broker ${index} is running`);
      launch(libs, node);
      await waitForCluster(brokers, count, { isAlive: () => deathOf(nodes) });
    },
  };
}

/**
 * `kafka-storage format`: writes the cluster id and the node's metadata into
 * its data folder, with SCRAM-SHA-256 and -512 credentials for each user
 * (KRaft keeps them in the metadata log, so they exist before the first
 * client connects).
 */
// A base64url cluster id starts with '-' once in 64: as a separate argument the tool's parser would
// take it for an option ("--cluster-id: expected one argument"), so it is joined to its flag.
function formatStorage(libs: string, clusterId: string, node: LocalNode, scramUsers: readonly ScramUser[]): Promise<void> {
  const scram = scramUsers.flatMap((user) => {
    if (!/^[\w.-]+$/.test(user.username) || !/^[\w.-]+$/.test(user.password)) {
      throw new Error(`kafka: SCRAM user '${user.username}': names and passwords of test users are letters, digits, '.', '_' and '-' (the storage tool parses [name=...,password=...])`);
    }
    return ['SCRAM-SHA-256', 'SCRAM-SHA-512'].map((mechanism) => `--add-scram=${mechanism}=[name=${user.username},password=${user.password}]`);
  });
  const args = ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-cp', `${libs}/*`, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', join(node.dir, 'server.properties'), ...scram];
  return new Promise((resolveFormat, reject) => {
    const child = spawn(javaBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolveFormat() : reject(new Error(`kafka: formatting storage failed: ${output}`))));
  });
}

function launch(libs: string, node: LocalNode): void {
  node.exit = undefined;
  // stdin stays a pipe we never write: when this process dies, the wrapper sees EOF and stops the JVM.
  const child = spawn('bash', [join(scripts, 'broker-process.sh'), libs, join(node.dir, 'server.properties'), join(node.dir, 'logs'), join(node.dir, 'broker.pid')], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  child.on('exit', (code, signal) => {
    node.process = undefined;
    node.exit = `broker ${node.nodeId} exited (${signal ?? code}); see ${join(node.dir, 'logs', 'server.log')}`;
  });
  node.process = child;
}

function terminate(node: LocalNode): Promise<void> {
  const child = node.process;
  if (child === undefined) return Promise.resolve();
  return new Promise((resolveStop) => {
    child.removeAllListeners('exit');
    child.once('exit', () => {
      node.process = undefined;
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

/** SIGKILLs the JVM itself (not its wrapper, which would stop it gracefully) and waits for the wrapper to go. */
function crash(node: LocalNode): Promise<void> {
  const child = node.process;
  if (child === undefined) return Promise.resolve();
  const pid = Number(readFileSync(join(node.dir, 'broker.pid'), 'utf8').trim());
  return new Promise((resolveCrash) => {
    child.removeAllListeners('exit');
    child.once('exit', () => {
      node.process = undefined;
      resolveCrash();
    });
    process.kill(pid, 'SIGKILL');
  });
}

function deathOf(nodes: readonly LocalNode[]): string | undefined {
  return nodes.find((n) => n.exit !== undefined && n.process === undefined)?.exit;
}

function nodeAt(nodes: readonly LocalNode[], index: number): LocalNode {
  const node = nodes[index];
  if (node === undefined) throw new RangeError(`kafka: no broker ${index}; the cluster has ${nodes.length}`);
  return node;
}
