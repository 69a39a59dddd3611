/**
 * Corrupt state on a real broker, through the CLI as an operator uses it:
 * `eventide snapshots list` shows what a restore makes of each record of a
 * snapshots partition, `eventide snapshots skip` refuses what it must not
 * skip, and a garbage publish marker stops its aggregate partition with an
 * error that names it until it is skipped; then the partition restores and
 * its results are exact.
 */
import test from 'ava';
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import type { Transport } from '../../protocols/transport.ts';
import { encodePublishMarker, encodeSnapshot, type ListedRecord, type SnapshotLogRecord } from '../../protocols/snapshot/index.ts';
import { partitionForKey } from '../../protocols/partitioner.ts';
import { pipelineTopics, TOPICS } from '../../pipeline/topics.ts';
import { STANDARD_QUERIES, compareResults, expectedResults } from '../helpers/expected-results.ts';
import { CliCluster, knownEvents, loadBase, produceRaw, produceTrailing, readResults, registerQueries, spreadQueries, until } from '../helpers/cli-cluster.ts';
import { startKafka, type KafkaTestCluster } from './harness/index.ts';

let kafka: KafkaTestCluster | undefined;
let transport: Transport | undefined;

test.before(async () => {
  kafka = await startKafka();
  transport = kafkaTransport({ brokers: kafka.brokers, clientId: 'snapshots-cli-test' });
});

test.after.always(async () => {
  await transport?.close();
  await kafka?.stop();
});

const GARBAGE = Buffer.from('{"v":1,"stage":"aggregate","key":');
const garbageMarker = { key: 'garbage', value: GARBAGE, headers: { 'eventide-kind': 'marker', 'eventide-stage': 'aggregate' } };

async function writeSnapshots(partition: number, records: readonly Pick<SnapshotLogRecord, 'key' | 'value' | 'headers'>[]): Promise<void> {
  const producer = transport!.producer();
  await producer.connect();
  await producer.send(records.map((record) => ({ topic: TOPICS.snapshots, partition, key: record.key, value: record.value, headers: record.headers })));
  await producer.disconnect();
}

async function freshTopics(cluster: CliCluster, raw: number, matched: number): Promise<void> {
  await transport!.admin().deleteTopics(pipelineTopics().map((spec) => spec.name));
  await cluster.runOk(['topics', 'create', '--partitions', String(raw), '--matched-partitions', String(matched)]);
}

const listed = async (cluster: CliCluster, partition: number): Promise<{ records: ListedRecord[]; undecodable: Record<string, { offset: number }[]> }> =>
  JSON.parse(await cluster.runOk(['snapshots', 'list', '--partition', String(partition), '--json'])) as never;

test.serial('snapshots list shows each record’s kind and verdict; skip refuses a marker that decodes (without --force) and a snapshot record, and skips a garbage marker for every later reader', async (t) => {
  t.timeout(180_000);
  const cluster = new CliCluster(kafka!.brokers, 'snapshots-list');
  await freshTopics(cluster, 2, 2);
  const meta = { stage: 'aggregate', partition: 1, nextOffset: 40, nodeId: 'node-a', generation: 7, takenAt: 1_700_000_000_000 };
  const complete = encodeSnapshot({ ...meta, seq: 1 }, { machine: { value: 'running' } }, 16);
  const abandoned = encodeSnapshot({ ...meta, seq: 2 }, { machine: { value: 'running', n: 2 } }, 16).slice(0, -1);
  const marker = encodePublishMarker({ stage: 'aggregate', partition: 1, key: 'shop-views/1700000000000', nextOffset: 41, publishedAt: 1_700_000_001_000 });
  await writeSnapshots(1, [...complete, ...abandoned, marker, garbageMarker, { key: 'stray', value: Buffer.from('hello'), headers: {} }]);
  const markerAt = complete.length + abandoned.length;
  const garbageAt = markerAt + 1;

  const table = await cluster.runOk(['snapshots', 'list', '--partition', '1']);
  const lines = table.trim().split('\n');
  t.regex(lines[0]!, new RegExp(`^snapshots\\[1\\]: offsets 0\\.\\.${garbageAt + 2} \\(read_committed, as a restore reads them\\), ${garbageAt + 2} listed$`));
  t.regex(lines[1]!, /^offset\s+kind\s+seq\s+bytes\s+writer\s+verdict\s+stage {2}detail$/);
  const cells = lines.slice(2, 2 + garbageAt + 2).map((line) => line.split(/\s+/).slice(0, 6));
  t.deepEqual(cells[complete.length - 1], [String(complete.length - 1), 'commit', '1', String(complete.at(-1)!.value.length), 'node-a/g7', 'complete']);
  t.deepEqual(cells[complete.length], [String(complete.length), 'chunk', '2', String(abandoned[0]!.value.length), '-', 'incomplete']);
  t.deepEqual(cells[markerAt], [String(markerAt), 'marker', '-', String(marker.value.length), '-', 'ok']);
  t.deepEqual(cells[garbageAt], [String(garbageAt), 'marker', '-', String(GARBAGE.length), '-', 'undecodable']);
  t.deepEqual(cells[garbageAt + 1], [String(garbageAt + 1), 'unknown', '-', '5', '-', 'unknown']);
  t.is(lines.at(-1), `aggregate[1] cannot restore: 1 undecodable publish marker no skip names, at offset ${garbageAt}`);

  const json = await listed(cluster, 1);
  t.deepEqual(json.records.map((r) => r.kind), [...complete.map(() => 'chunk').slice(0, -1), 'commit', ...abandoned.map(() => 'chunk'), 'marker', 'marker', 'unknown']);
  t.deepEqual(json.undecodable.aggregate?.map((m) => m.offset), [garbageAt]);
  const window = JSON.parse(await cluster.runOk(['snapshots', 'list', '--partition', '1', '--from', String(markerAt), '--limit', '2', '--json'])) as { records: ListedRecord[] };
  t.deepEqual(window.records.map((r) => [r.offset, r.verdict]), [[markerAt, 'ok'], [garbageAt, 'undecodable']]);

  const decodable = await cluster.run(['snapshots', 'skip', '--partition', '1', '--offset', String(markerAt)]);
  t.is(decodable.code, 2);
  t.regex(decodable.stderr, new RegExp(`^error: the record at offset ${markerAt} of snapshots\\[1\\] is a publish marker that decodes \\(publication shop-views/1700000000000.*pass --force`));
  const chunk = await cluster.run(['snapshots', 'skip', '--partition', '1', '--offset', '0', '--force']);
  t.is(chunk.code, 2);
  t.regex(chunk.stderr, /is a snapshot chunk \(complete\): skips apply to publish markers only/);
  const missing = await cluster.run(['snapshots', 'skip', '--partition', '1', '--offset', '999']);
  t.regex(missing.stderr, /offset 999 is not there/);

  const skipped = await cluster.run(['snapshots', 'skip', '--partition', '1', '--offset', String(garbageAt), '--reason', 'garbage from a test producer']);
  t.is(skipped.code, 0, skipped.stderr);
  t.regex(skipped.stdout, new RegExp(`^skipped the publish marker at offset ${garbageAt} of snapshots\\[1\\] \\(stage aggregate\\); the skip record is at offset ${garbageAt + 2}\n`));
  t.regex(skipped.stdout, /may be published again/);
  const again = await cluster.run(['snapshots', 'skip', '--partition', '1', '--offset', String(garbageAt)]);
  t.is(again.code, 2);
  t.regex(again.stderr, /is skipped already/);

  const after = await listed(cluster, 1);
  t.like(after.records[garbageAt], { verdict: 'skipped', skippedBy: garbageAt + 2 });
  t.like(after.records[garbageAt + 2], { kind: 'skip', verdict: 'applied' });
  t.regex(after.records[garbageAt + 2]!.detail, /: garbage from a test producer$/);
  t.deepEqual(after.undecodable, {});
});

test.serial('a garbage marker stops its aggregate partition with the typed error naming its offset; after snapshots skip it restores and its results are exact', async (t) => {
  t.timeout(420_000);
  const RAW = 2;
  const MATCHED = 2;
  const cluster = new CliCluster(kafka!.brokers, 'snapshots-skip');
  t.teardown(() => cluster.killAll());
  await freshTopics(cluster, RAW, MATCHED);
  const queries = spreadQueries(STANDARD_QUERIES.slice(0, 2), MATCHED);
  const stuck = partitionForKey(queries[0]!.id, MATCHED);
  await registerQueries(cluster, queries);

  const base = loadBase();
  const spanMs = 10 * 60_000;
  const events = knownEvents(6_000, spanMs, base, 11);
  const firstHalf = events.filter((event) => event.timestamp < base + spanMs / 2);
  const secondHalf = events.filter((event) => event.timestamp >= base + spanMs / 2);
  const expected = expectedResults(queries, events);

  const first = await cluster.startNode('first');
  await produceRaw(transport!, firstHalf, RAW);
  await until(async () => (await readResults(transport!)).some((result) => result.queryId === queries[0]!.id), () => `a first result of ${queries[0]!.id}; logs in ${cluster.logDir}`, 120_000);

  // The garbage lands among the running partition's snapshots; it is read at the next restore.
  await writeSnapshots(stuck, [garbageMarker]);
  const garbageAt = (await listed(cluster, stuck)).undecodable.aggregate?.[0]?.offset;
  t.is(typeof garbageAt, 'number');
  first.kill('SIGTERM');
  await first.exited();

  const second = await cluster.startNode('second');
  const [failure] = await second.waitForLog(/^restore failed$/);
  t.is(failure!.partition, stuck);
  t.regex(String(failure!.err), new RegExp(`^UndecodableMarkerError: aggregate\\[${stuck}\\] cannot restore: the publish marker at offset ${garbageAt} of snapshots\\[${stuck}\\] does not decode`));
  t.true(String(failure!.err).includes(`eventide snapshots skip --topic snapshots --partition ${stuck} --offset ${garbageAt}`), String(failure!.err));
  await second.waitForLog(/^restore failed$/, 60_000, 2);
  t.is(second.restores().filter((line) => line.partition === stuck).length, 0, 'the stuck partition never restored past the marker');
  t.is(second.restores().filter((line) => line.partition !== stuck).length, 1, 'the other partition restored');

  await cluster.runOk(['snapshots', 'skip', '--partition', String(stuck), '--offset', String(garbageAt), '--reason', 'injected by the test; it covered no publication']);
  const [restored] = await second.waitForLog(new RegExp(`^restored aggregate\\[${stuck}\\] from snapshot$`), 60_000);
  t.like(restored!.ignored, { markers: 1 });
  const metrics = await (await fetch(`http://127.0.0.1:${second.inspectPort}/metrics`)).text();
  t.regex(metrics, /^eventide_snapshots_ignored_total\{stage="aggregate",kind="marker"\} 1$/m);

  await produceRaw(transport!, secondHalf, RAW);
  await produceTrailing(transport!, base + spanMs + 10 * 60_000, RAW);
  await cluster.untilAllResults(transport!, expected.size, { matched: MATCHED, raw: RAW }, 180_000);
  t.deepEqual(compareResults(await readResults(transport!), expected), [], 'every window published once with every event counted once');
});
