/**
 * Oversized output on a real broker (issue 9, case 2). An event with an
 * incompressible 2 MB attribute that a query selects once made the
 * `events.matched` send fail (MESSAGE_TOO_LARGE) and the ingest partition
 * restart forever, with nothing after it processed and no dead letter.
 *
 * - On topics made by `pipelineTopics` (8 MiB records) the event is matched,
 *   counted and published, and matched records of several large events are
 *   cut into sends that fit.
 * - On an `events.matched` left at Kafka's default (1 MiB), the matched
 *   record that cannot fit is dead-lettered `too-large` and the rest of the
 *   batch, and the batches after it, are counted.
 */
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { incompressible } from '../helpers/incompressible.ts';
import { createNode, kafkaTransport, type Transport } from '../../index.ts';
import { pipelineStages, pipelineTables } from '../../pipeline/stages.ts';
import { pipelineTopicNames, pipelineTopics, type PipelineTopicNames } from '../../pipeline/topics.ts';
import { encodeQueryRecord } from '../../protocols/query-record/index.ts';
import { decodeWindowResult } from '../../protocols/result/index.ts';
import { decodeDeadLetter } from '../../protocols/dead-letter/index.ts';
import { readTopic, waitFor } from '../helpers/pipeline-fixture.ts';
import { startKafka, type KafkaTestCluster } from './harness/index.ts';

let kafka: KafkaTestCluster | undefined;
test.before(async () => {
  kafka = await startKafka();
});
test.after.always(async () => {
  await kafka?.stop();
});

const QUERIES = [
  { id: 'by-size', nrql: "SELECT count(*) FROM PageView WHERE appName = 'big' FACET size TIMESERIES 1 minute" },
  // Selects the blob (as its facet), so its matched events carry it.
  { id: 'by-blob', nrql: "SELECT count(*) FROM PageView WHERE appName = 'big' FACET blob TIMESERIES 1 minute" },
];

async function run(t: import('ava').ExecutionContext, matchedTopic: 'pipeline' | 'kafka-default') {
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  const topics: PipelineTopicNames = pipelineTopicNames({ prefix });
  const transport: Transport = kafkaTransport({ brokers: kafka!.brokers, clientId: `oversized-${prefix}` });
  const specs = pipelineTopics({ prefix, partitions: 1 }).map((spec) =>
    spec.name === topics.matched && matchedTopic === 'kafka-default' ? { ...spec, configs: { 'retention.ms': '86400000', 'segment.bytes': spec.configs!['segment.bytes']! } } : spec,
  );
  await transport.admin().createTopics(specs);
  const now = Date.now();
  await transport.producer().send(QUERIES.map((query) => ({ topic: topics.queries, partition: 0, key: query.id, value: encodeQueryRecord({ v: 1, id: query.id, nrql: query.nrql, createdAt: now, expiresAt: now + 3_600_000 }) })));
  // Only the queries' own events move their watermarks: the windows close once the source has been quiet for idleTimeoutMs.
  const options = { topics, snapshotEveryMs: 1000, idleTimeoutMs: 3000, tickMs: 500 };
  const node = createNode({ transport, group: `${prefix}eventide`, stages: pipelineStages(['parse', 'match', 'aggregate'], options), tables: pipelineTables(options) });
  t.teardown(async () => {
    await node.stop();
    await transport.close();
  });
  const failures: unknown[] = [];
  node.instrumentation.on('partition.failed', (event) => failures.push(event.error));
  await node.start();

  const windowStart = Math.floor((now - 120_000) / 60_000) * 60_000;
  const event = (size: string, bytes: number, index: number) => ({ eventType: 'PageView', timestamp: windowStart + index, appName: 'big', size, blob: incompressible(bytes, `${prefix}${index}`) });
  const raw = (events: object[]) => ({ topic: topics.raw, partition: 0, value: Buffer.from(JSON.stringify(events)) });
  // One batch: three events of 600 KB (above 1 MiB together) and one of 2 MB; then a small batch, and one that moves event time past the window.
  await transport.producer().send([raw([event('600k', 600_000, 1), event('600k', 600_000, 2), event('600k', 600_000, 3), event('2m', 2_000_000, 4)])]);
  await transport.producer().send([raw([{ eventType: 'PageView', timestamp: windowStart + 5, appName: 'big', size: 'small', blob: 'b' }])]);
  await transport.producer().send([raw([{ eventType: 'PageView', timestamp: now + 60_000, appName: 'other' }])]);

  const fits = matchedTopic === 'pipeline';
  const expected = new Map<string, number>([['by-size 600k', 3], ['by-size 2m', 1], ['by-size small', 1], ['by-blob small', 1], ['by-blob 600k', 3]]);
  if (fits) expected.set('by-blob 2m', 1);
  const counts = async () => {
    const seen = new Map<string, number>();
    for (const record of await readTopic(transport, topics.results)) {
      const result = decodeWindowResult(record.value!);
      const facet = String(result.facet![0]);
      const size = facet === 'small' || facet === 'b' ? 'small' : facet.length >= 2_000_000 || facet === '2m' ? '2m' : '600k';
      const key = `${result.queryId} ${size}`;
      seen.set(key, (seen.get(key) ?? 0) + Number(result.values['count(*)']));
    }
    return seen;
  };
  let seen = new Map<string, number>();
  await waitFor(async () => {
    seen = await counts();
    return seen.size >= expected.size;
  }, () => `results: ${JSON.stringify([...seen])}`, 90_000);
  t.deepEqual(Object.fromEntries(seen), Object.fromEntries(expected));
  const tooLarge = (await readTopic(transport, topics.deadletter)).map((record) => decodeDeadLetter(record.value!)).filter((letter) => letter.reason === 'too-large');
  if (fits) t.deepEqual(tooLarge, []);
  else {
    t.is(tooLarge.length, 1, 'the matched record of the 2 MB event for by-blob');
    t.regex(tooLarge[0]!.message, /matched query "by-blob": its record for '.*events\.matched' is \d+ bytes, more than the topic takes \(max\.message\.bytes 1048588\)/);
  }
  t.deepEqual(failures, [], 'no partition failed on the way');
}

test.serial('on the pipeline topics a 2 MB event is matched, counted and published', (t) => run(t, 'pipeline'));
test.serial('on an events.matched of 1 MiB, its matched record is dead-lettered too-large and everything else counted', (t) => run(t, 'kafka-default'));
