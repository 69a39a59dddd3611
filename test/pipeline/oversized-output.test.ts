/**
 * Output too large for its topic (issue 9, case 2): an event whose matched
 * record would exceed `events.matched`'s `max.message.bytes` once made the
 * send fail, and the ingest partition restart forever with every later batch
 * unprocessed. Now matched events are split into records that fit, an event
 * that cannot fit alone is dead-lettered `too-large` at its own offset, and
 * everything else is counted exactly once.
 */
import test from 'ava';
import { incompressible } from '../helpers/incompressible.ts';
import { PipelineFixture, generateEvents } from '../helpers/pipeline-fixture.ts';
import { STANDARD_QUERIES, compareResults, expectedResults, type QuerySpec } from '../helpers/expected-results.ts';
import type { Event } from '../../protocols/event.ts';
import { PIPELINE_MAX_RECORD_BYTES, TOPICS, pipelineTopics } from '../../pipeline/topics.ts';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from '../../protocols/record-size.ts';
import { readTopic } from '../helpers/pipeline-fixture.ts';

const SPAN_MS = 2 * 60_000;
const EVENTS = generateEvents(200, SPAN_MS, 9).map((event) => ({ ...event, timestamp: event.timestamp - SPAN_MS }));
const FIRST = EVENTS[0]!.timestamp;

const BIG_QUERY: QuerySpec = {
  id: 'big-blobs',
  nrql: "SELECT count(*) FROM PageView WHERE appName = 'big' FACET size TIMESERIES 1 minute",
  windowMs: 60_000,
  matches: (event) => event.eventType === 'PageView' && event.attributes.appName === 'big',
  facet: (event) => String(event.attributes.size),
  values: (events) => ({ 'count(*)': events.length }),
};
const big = (size: string, bytes: number, offset: number): Event => ({ eventType: 'PageView', timestamp: FIRST + offset, attributes: { appName: 'big', size, blob: incompressible(bytes, `${size}${offset}`) } });
/** Selects `blob` (as its facet), so its matched events carry it: the query whose matched records are split. */
const BLOB_QUERY: QuerySpec = {
  id: 'blobs',
  nrql: "SELECT count(*) FROM PageView WHERE appName = 'big' FACET blob TIMESERIES 1 minute",
  windowMs: 60_000,
  matches: (event) => event.eventType === 'PageView' && event.attributes.appName === 'big',
  facet: (event) => String(event.attributes.blob),
  values: (events) => ({ 'count(*)': events.length }),
};

async function run(t: import('ava').ExecutionContext, matchedLimit: 'pipeline' | 'kafka-default'): Promise<void> {
  const fixture = new PipelineFixture({ snapshotEveryMs: 2000 });
  t.teardown(() => fixture.stop());
  const specs = pipelineTopics({ partitions: 3, matchedPartitions: 4 }).map((spec) =>
    spec.name === TOPICS.matched && matchedLimit === 'kafka-default' ? { ...spec, configs: { 'retention.ms': '86400000' } } : spec,
  );
  await fixture.admin.admin().createTopics(specs);
  await fixture.addQueries([...STANDARD_QUERIES, BIG_QUERY, BLOB_QUERY]);
  await fixture.startNode();

  // One raw batch: three events of 600 KB (together above 1 MiB), one of 2 MB, and good small events after them.
  const mediums = [big('600k', 600_000, 1), big('600k', 600_000, 2), big('600k', 600_000, 3)];
  const huge = big('2m', 2_000_000, 4);
  const small = EVENTS.slice(0, 5);
  const flat = (event: Event) => ({ eventType: event.eventType, timestamp: event.timestamp, ...event.attributes });
  await fixture.produceRaw(0, Buffer.from(JSON.stringify([...mediums, huge, ...small].map(flat))));
  await fixture.produceInRounds(EVENTS.slice(5), 2);

  const fits = matchedLimit === 'pipeline';
  // big-blobs does not select the blob: its matched record of the 2 MB event is small and always fits. blobs carries the blob: without room, not that event.
  const expected = new Map([...expectedResults([...STANDARD_QUERIES, BIG_QUERY], [...mediums, huge, ...EVENTS]), ...expectedResults([BLOB_QUERY], fits ? [...mediums, huge] : mediums)]);
  await fixture.publishAll(expected.size);
  const results = await fixture.results();
  t.deepEqual(compareResults(results, expected), [], 'every event that fits is counted once, in the split records too, the later batches too');

  const limit = fits ? PIPELINE_MAX_RECORD_BYTES : KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
  const matched = await readTopic(fixture.admin, TOPICS.matched);
  for (const record of matched) t.true(record.value!.length <= limit, `a matched record of ${record.value!.length} bytes fits ${limit}`);
  const letters = (await fixture.deadLetters()).filter((letter) => letter.reason === 'too-large');
  if (fits) {
    t.deepEqual(letters, [], 'the 2 MB event fits the pipeline topics');
    return;
  }
  // The query that selects the blob cannot carry the 2 MB event in any record: its matched record is dead-lettered, at the raw record's offset.
  t.is(letters.length, 1);
  for (const letter of letters) {
    t.is(letter.stage, 'ingest');
    t.deepEqual(letter.source, { topic: TOPICS.raw, partition: 0, offset: 0 });
    t.regex(letter.message, /^event 3 of the record matched query "blobs": its record for 'events\.matched' is \d+ bytes, more than the topic takes \(max\.message\.bytes 1048588\) \(original truncated to its first 262144 of \d+ bytes\)$/);
    t.true(letter.original !== null && letter.original.length <= 256 * 1024, 'the original is its start');
  }
}

test('matched events too large for one record are split, and an event too large alone is dead-lettered too-large', (t) => run(t, 'kafka-default'));
test('on the pipeline topics (8 MiB records), a 2 MB event is matched and counted', (t) => run(t, 'pipeline'));
