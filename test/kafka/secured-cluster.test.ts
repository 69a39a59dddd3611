/**
 * eventide on a secured cluster: one local broker with a SASL_PLAINTEXT
 * listener (SCRAM-SHA-256 and -512, user alice) and an SSL listener whose
 * certificate is signed by a CA made for this test. Against each listener a
 * node process and the CLI (`topics create`, `query add`, `results`,
 * `produce`, `status`) run end to end and the results are exact; the
 * credentials, given by environment variable, config file and password file,
 * appear in nothing a user can see (logs, CLI output, `/status`, the
 * inspector, `/metrics`); a wrong password and an untrusted broker
 * certificate are clear errors with a non-zero exit and no stack trace.
 *
 * The test's own oracle reads and writes through the PLAINTEXT listener.
 */
import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaTransport, type KafkaTransportConfig } from '../../runtime/kafka/index.ts';
import type { Transport } from '../../protocols/transport.ts';
import { pipelineTopics, TOPICS } from '../../pipeline/topics.ts';
import { STANDARD_QUERIES, compareResults, expectedResults, type QuerySpec } from '../helpers/expected-results.ts';
import { CliCluster, knownEvents, loadBase, produceRaw, produceTrailing, readResults, registerQueries, spreadQueries, type CliNode } from '../helpers/cli-cluster.ts';
import { readTopic } from '../helpers/pipeline-fixture.ts';
import { startKafka, type KafkaTestCluster } from './harness/index.ts';
import { createCertificateAuthority } from './harness/test-certificates.ts';

const RAW_PARTITIONS = 2;
const MATCHED_PARTITIONS = 2;
const SPAN_MS = 5 * 60_000;
const USER = 'alice';
/** Unique enough that finding it anywhere means it leaked. */
const PASSWORD = `pw-${randomBytes(16).toString('hex')}`;
const WRONG_PASSWORD = `wrong-${randomBytes(16).toString('hex')}`;
const QUERIES = spreadQueries([STANDARD_QUERIES[0]!, STANDARD_QUERIES[2]!], MATCHED_PARTITIONS);

let kafka: KafkaTestCluster | undefined;
let plaintext: Transport | undefined;
const dir = mkdtempSync(join(tmpdir(), 'eventide-secured-'));

test.before(async () => {
  kafka = await startKafka({ security: { scram: { users: [{ username: USER, password: PASSWORD }] }, tls: true } });
  plaintext = kafkaTransport({ brokers: kafka.brokers, clientId: 'secured-cluster-test' });
});

test.after.always(async () => {
  await plaintext?.close();
  await kafka?.stop();
});

/** Everything a user of these processes could read, gathered to be searched for a secret. */
class Exposure {
  readonly #texts: string[] = [];

  add(what: string, text: string): void {
    this.#texts.push(`--- ${what}\n${text}`);
  }

  /** A CLI run's output. */
  addRun(args: readonly string[], run: { stdout: string; stderr: string }): void {
    this.add(`eventide ${args.join(' ')}`, `${run.stdout}\n${run.stderr}`);
  }

  /** A node's log (what it wrote, as written) and what its inspector and status pages answer. */
  async addNode(node: CliNode): Promise<void> {
    for (const path of ['/status', '/api/node', '/api/cluster', '/metrics']) {
      const response = await fetch(`http://127.0.0.1:${node.inspectPort}${path}`);
      this.add(`${node.id} ${path} (${response.status})`, await response.text());
    }
  }

  addLogs(node: CliNode): void {
    this.add(`${node.id} log`, readFileSync(node.logFile, 'utf8'));
  }

  /** Asserts the secret appears nowhere, naming where it does. */
  assertNowhere(t: ExecutionContext, secret: string): void {
    const leaks = this.#texts.filter((text) => text.includes(secret)).map((text) => text.split('\n', 1)[0]);
    t.deepEqual(leaks, [], 'the secret appears in none of them');
    t.true(this.#texts.join('\n').length > 10_000, 'there was something to search');
  }
}

/** Runs a CLI command that must succeed, recording its output. */
async function runOk(cluster: CliCluster, exposure: Exposure, args: readonly string[]): Promise<string> {
  const run = await cluster.run(args);
  exposure.addRun(args, run);
  if (run.code !== 0) throw new Error(`eventide ${args.join(' ')} exited ${run.code}: ${run.stderr}${run.stdout}`);
  return run.stdout;
}

/**
 * The whole pipeline through a secured listener: topics and queries made with
 * the CLI, a node, known events written by a client with the same security,
 * every expected result published, printed by `eventide results`, then
 * `eventide produce` and `eventide status`. `nodes` and `cli` reach the
 * listener with credentials from different sources.
 */
async function runPipeline(t: ExecutionContext, exposure: Exposure, options: { nodes: CliCluster; cli: CliCluster; client: KafkaTransportConfig; queries: readonly QuerySpec[] }): Promise<void> {
  const { nodes, cli, queries } = options;
  await plaintext!.admin().deleteTopics(pipelineTopics().map((spec) => spec.name));
  t.teardown(() => nodes.killAll());
  t.regex(await runOk(cli, exposure, ['topics', 'create', '--partitions', String(RAW_PARTITIONS), '--matched-partitions', String(MATCHED_PARTITIONS)]), /^created: /);
  for (const query of queries) t.regex(await runOk(cli, exposure, ['query', 'add', query.nrql, '--id', query.id]), new RegExp(`^${query.id} registered until `));
  const node = await nodes.startNode(`${nodes.group}-node`);

  const client = kafkaTransport(options.client);
  t.teardown(() => client.close());
  const base = loadBase();
  const events = knownEvents(3_000, SPAN_MS, base, 11);
  await produceRaw(client, events, RAW_PARTITIONS);
  await produceTrailing(client, base + SPAN_MS + 10 * 60_000, RAW_PARTITIONS);
  const expected = expectedResults(queries, events);
  await nodes.untilAllResults(plaintext!, expected.size, { matched: MATCHED_PARTITIONS, raw: RAW_PARTITIONS }, 120_000);
  t.deepEqual(compareResults(await readResults(plaintext!), expected), [], 'every result exact');

  const [first] = queries;
  const printed = await runOk(cli, exposure, ['results', '--query', first!.id]);
  t.is(printed.trim().split('\n').length, [...expected.values()].filter((result) => result.queryId === first!.id).length, '`eventide results` reads them through the secured listener');

  const rawBefore = (await readTopic(plaintext!, TOPICS.raw)).length;
  t.regex(await runOk(cli, exposure, ['produce', '--rate', '400', '--duration', '2', '--batch-size', '50']), /^produced [1-9]\d* events in /);
  t.true((await readTopic(plaintext!, TOPICS.raw)).length > rawBefore, '`eventide produce` wrote batches');

  const status = await runOk(cli, exposure, ['status']);
  t.regex(status, new RegExp(`^nodes: 1\\n  ${node.id}  stages `));
  t.regex(status, /^ {2}aggregate\[1\] {2}owner \S+/m);

  await exposure.addNode(node);
  t.deepEqual(node.errors(), [], 'the node logged no error');
  node.kill('SIGTERM');
  await node.exited();
  exposure.addLogs(node);
}

test.serial('over SASL/SCRAM, with the password from a config file, a variable and a password file, a node and the CLI work end to end and the password is shown nowhere', async (t) => {
  t.timeout(300_000);
  const brokers = kafka!.secured!.sasl!.brokers;
  const configFile = join(dir, 'scram.json');
  writeFileSync(configFile, JSON.stringify({ sasl: { mechanism: 'scram-sha-256', username: USER, password: PASSWORD } }));
  const passwordFile = join(dir, 'password.txt');
  writeFileSync(passwordFile, `${PASSWORD}\n`);
  const exposure = new Exposure();

  // The node reads SCRAM-SHA-256 credentials from its config file; the CLI SCRAM-SHA-512 ones from variables.
  const nodes = new CliCluster(brokers, 'scram', { EVENTIDE_CONFIG: configFile });
  const cli = new CliCluster(brokers, 'scram', { EVENTIDE_SASL_MECHANISM: 'scram-sha-512', EVENTIDE_SASL_USERNAME: USER, EVENTIDE_SASL_PASSWORD: PASSWORD });
  await runPipeline(t, exposure, { nodes, cli, queries: QUERIES, client: { brokers, clientId: 'secured-test-client', sasl: { mechanism: 'scram-sha-512', username: USER, password: PASSWORD } } });

  const fromFile = new CliCluster(brokers, 'scram', { EVENTIDE_SASL_MECHANISM: 'scram-sha-512', EVENTIDE_SASL_USERNAME: USER, EVENTIDE_SASL_PASSWORD_FILE: passwordFile });
  const listed = await runOk(fromFile, exposure, ['query', 'list']);
  t.deepEqual(listed.trim().split('\n').map((line) => line.split(/\s+/)[0]), QUERIES.map((query) => query.id), 'EVENTIDE_SASL_PASSWORD_FILE works');
  const flagged = new CliCluster(brokers, 'scram', { EVENTIDE_SASL_MECHANISM: 'scram-sha-256', EVENTIDE_SASL_USERNAME: USER });
  t.is(await runOk(flagged, exposure, ['topics', 'check', '--sasl-password-file', passwordFile]), 'topics ok\n', '--sasl-password-file works');

  exposure.assertNowhere(t, PASSWORD);
});

test.serial('over TLS with the generated CA, trusted from a config file and a variable, a node and the CLI work end to end', async (t) => {
  t.timeout(300_000);
  const tls = kafka!.secured!.tls!;
  // A path relative to the config file, as a user writes it beside the CA.
  writeFileSync(join(dir, 'ca.pem'), tls.ca);
  const configFile = join(dir, 'tls.json');
  writeFileSync(configFile, JSON.stringify({ ssl: { ca: 'ca.pem' } }));
  const exposure = new Exposure();
  const nodes = new CliCluster(tls.brokers, 'tls', { EVENTIDE_CONFIG: configFile });
  const cli = new CliCluster(tls.brokers, 'tls', { EVENTIDE_SSL_CA: tls.caFile });
  await runPipeline(t, exposure, { nodes, cli, queries: QUERIES, client: { brokers: tls.brokers, clientId: 'secured-test-client', ssl: { ca: tls.ca } } });
  t.is(await runOk(cli, exposure, ['topics', 'check', '--ssl-ca', tls.caFile]), 'topics ok\n', '--ssl-ca works');
});

test.serial('a wrong SASL password is a clear error naming SASL and the user, with a non-zero exit, no stack trace and neither password', async (t) => {
  t.timeout(120_000);
  const brokers = kafka!.secured!.sasl!.brokers;
  const cli = new CliCluster(brokers, 'wrong', { EVENTIDE_SASL_MECHANISM: 'scram-sha-512', EVENTIDE_SASL_USERNAME: USER, EVENTIDE_SASL_PASSWORD: WRONG_PASSWORD });
  const expectedError = new RegExp(`^error: SASL authentication failed for user ${USER} \\(scram-sha-512\\) at ${brokers[0]!.replace(/\./g, '\\.')}: check the username and password\\. The broker said: .*invalid credentials`, 'm');

  const check = await cli.run(['topics', 'check']);
  t.not(check.code, 0);
  t.regex(check.stderr, expectedError);

  // A node whose config file names a password file with the wrong password.
  writeFileSync(join(dir, 'wrong-password.txt'), WRONG_PASSWORD);
  const configFile = join(dir, 'wrong.json');
  writeFileSync(configFile, JSON.stringify({ sasl: { mechanism: 'scram-sha-512', username: USER, passwordFile: 'wrong-password.txt' } }));
  const nodes = new CliCluster(brokers, 'wrong', { EVENTIDE_CONFIG: configFile });
  const node = await nodes.run(['node', '--node-id', 'refused', '--log-level', 'info']);
  t.not(node.code, 0);
  t.regex(node.stderr, expectedError);

  for (const run of [check, node]) {
    const output = `${run.stdout}${run.stderr}`;
    t.notRegex(output, /^\s+at /m, 'no stack trace');
    t.false(output.includes(WRONG_PASSWORD), 'the wrong password is not shown');
    t.false(output.includes(PASSWORD), 'nor the right one');
  }
});

test.serial('a broker certificate signed by a CA the client does not trust is a clear TLS error with a non-zero exit', async (t) => {
  t.timeout(120_000);
  const tls = kafka!.secured!.tls!;
  const stranger = createCertificateAuthority(join(dir, 'stranger'), 'some-other-ca');
  const cli = new CliCluster(tls.brokers, 'untrusted');
  const run = await cli.run(['topics', 'check', '--ssl-ca', stranger.certificateFile]);
  t.not(run.code, 0);
  t.regex(
    run.stderr,
    new RegExp(`^error: TLS handshake with ${tls.brokers[0]!.replace(/\./g, '\\.')} failed \\(\\w+: [^)]+\\): the broker's certificate is not signed by a CA this client trusts \\(the CA in ${stranger.certificateFile.replace(/[.]/g, '\\.')}\\); give the CA that signed it with --ssl-ca <file>`, 'm'),
  );
  t.notRegex(run.stderr, /^\s+at /m, 'no stack trace');
});
